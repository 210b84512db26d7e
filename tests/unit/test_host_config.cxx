// SPDX-License-Identifier: GPL-2.0-or-later
// The host's identity files read from a real directory (host/files/host_config): sssd.conf with conf.d,
// smb.conf with includes, and the bounds.
#include "host/files/host_config.hxx"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace gpaudit;
namespace fs = std::filesystem;

namespace {
struct TempDir {
    fs::path path;
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "gpaudit-host-config-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() { fs::remove_all(path); }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    void write(const std::string &name, const std::string &text) const
    {
        fs::create_directories((path / name).parent_path());
        std::ofstream(path / name) << text;
    }
    host::HostConfigPaths paths() const
    {
        return {(path / "sssd/sssd.conf").string(), (path / "sssd/conf.d").string(),
                (path / "samba/smb.conf").string()};
    }
};
} // namespace

TEST_CASE("no files: an empty identity, no error")
{
    const TempDir dir;
    auto identity = host::readHostIdentity(dir.paths());
    REQUIRE(identity);
    CHECK(identity->realm.empty());
}

TEST_CASE("sssd: conf.d snippets in sssd's order override sssd.conf")
{
    const TempDir dir;
    dir.write("sssd/sssd.conf", "[domain/gpa.test]\nid_provider = ad\nad_domain = gpa.test\n");
    dir.write("sssd/conf.d/20-host.conf", "[domain/gpa.test]\nad_hostname = second.gpa.test\n");
    dir.write("sssd/conf.d/10-host.conf", "[domain/gpa.test]\nad_hostname = first.gpa.test\n");
    dir.write("sssd/conf.d/.30-hidden.conf", "[domain/gpa.test]\nad_hostname = hidden.gpa.test\n");
    dir.write("sssd/conf.d/40-host.conf.bak", "[domain/gpa.test]\nad_hostname = backup.gpa.test\n");
    auto identity = host::readHostIdentity(dir.paths());
    REQUIRE(identity);
    CHECK(identity->realm == "GPA.TEST");
    CHECK(identity->machine == "SECOND$");
    // Snippets alone (no sssd.conf), as sssd allows.
    fs::remove(dir.path / "sssd/sssd.conf");
    dir.write("sssd/conf.d/00-domain.conf", "[domain/corp.test]\nid_provider = ad\nad_domain = corp.test\n");
    identity = host::readHostIdentity(dir.paths());
    REQUIRE(identity);
    CHECK(identity->realm == "CORP.TEST");
}

TEST_CASE("smb.conf: include honoured when sssd has no AD domain")
{
    const TempDir dir;
    dir.write("sssd/sssd.conf", "[domain/files]\nid_provider = files\n");
    dir.write("samba/ad.conf", "security = ADS\nrealm = gpa.test\nnetbios name = linux9\n");
    dir.write("samba/smb.conf", "[global]\nworkgroup = GPA\ninclude = " + (dir.path / "samba/ad.conf").string() + "\n");
    auto identity = host::readHostIdentity(dir.paths());
    REQUIRE(identity);
    CHECK(identity->realm == "GPA.TEST");
    CHECK(identity->machine == "LINUX9$");
    CHECK(identity->source == "smb.conf");
}

TEST_CASE("bounds: an oversized file, too many snippets, an include loop are errors naming the file")
{
    const TempDir dir;
    dir.write("sssd/sssd.conf", std::string(host::kMaxHostConfigFile + 1, '#'));
    auto big = host::readHostIdentity(dir.paths());
    REQUIRE_FALSE(big);
    CHECK(big.error().where.file == dir.paths().sssdConf);
    fs::remove(dir.path / "sssd/sssd.conf");
    for (std::size_t i = 0; i <= host::kMaxSssdSnippets; ++i)
        dir.write("sssd/conf.d/" + std::to_string(100 + i) + ".conf", "\n");
    auto many = host::readHostIdentity(dir.paths());
    REQUIRE_FALSE(many);
    CHECK(many.error().where.file == dir.paths().sssdConfDir);
    fs::remove_all(dir.path / "sssd");
    dir.write("samba/smb.conf", "[global]\ninclude = " + dir.paths().smbConf + "\n");
    auto loop = host::readHostIdentity(dir.paths());
    REQUIRE_FALSE(loop);
    CHECK(loop.error().message.find("nested deeper") != std::string::npos);
}
