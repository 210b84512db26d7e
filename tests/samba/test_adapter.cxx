// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16, the adapter (lib/samba) without a Samba: a smb.conf in a temporary folder and a stand-in
// smbcontrol (a shell script that answers `debuglevel` from a file and records `debug`). The real
// Samba is the integration test samba-dc.
#include "core/report/render.hxx"
#include "samba/samba.hxx"
#include "unit/helpers.hxx"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace gpaudit;

namespace {

std::string slurp(const fs::path &path)
{
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

void write(const fs::path &path, const std::string &text)
{
    std::ofstream(path) << text;
}

struct Fixture {
    fs::path dir;
    samba::Options options;
    core::Resultant resultant;
    Fixture()
    {
        char tmpl[] = "/tmp/gpaudit-samba-unit.XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        write(dir / "smb.conf", "[global]\n\tserver role = active directory domain controller\n\tlog level = 1\n"
                                "[sysvol]\n\tpath = /x\n");
        // debuglevel: the levels in dir/live; debug LEVELS: recorded in dir/sent, and becomes the live levels
        write(dir / "live", "PID 42: all:1 auth_json_audit:1 dsdb_json_audit:1\n");
        write(dir / "smbcontrol", "#!/bin/sh\nd=$(dirname \"$0\")\nlast=\nfor a; do prev=$last; last=$a; done\n"
                                  "case $prev in\n  debug) echo \"$last\" >> \"$d/sent\"; "
                                  "echo \"PID 42: all:$last\" | sed 's/ \\([a-z_]*\\):/ \\1:/g' > \"$d/live\" ;;\n"
                                  "  *) cat \"$d/live\" ;;\nesac\n");
        fs::permissions(dir / "smbcontrol", fs::perms::owner_all);
        options.smbConf = dir / "smb.conf";
        options.includeFile = dir / "gpaudit-audit.conf";
        options.smbcontrol = dir / "smbcontrol";
        options.header = {"test"};
        std::vector<core::GpoInput> inputs{
            test::gpo("DDCP", std::string(test::kHeader) + test::row("kerberos-authentication-service", 3))};
        resultant = core::merge(test::data().catalog, inputs, core::LegacyMode::Auto);
    }
    ~Fixture() { fs::remove_all(dir); }
    // One apply as the sync does it: read, the pure plan, execute.
    Result<samba::Report> apply() const
    {
        auto held = samba::readSambaHost(options);
        if (!held)
            return tl::unexpected(held.error());
        const auto plan =
            core::samba::planSambaApply(test::data().catalog, test::data().mapping, resultant, *held, options);
        return samba::executeSambaPlan(plan, options);
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "apply: include file, smbcontrol as a diff, smb.conf only with consent")
{
    auto report = apply();
    REQUIRE(report);
    CHECK(report->dc);
    CHECK(report->levels == "1 auth_json_audit:3");
    CHECK(report->includeChanged);
    CHECK_FALSE(report->hooked); // no consent: smb.conf untouched, said
    REQUIRE(report->notes.size() == 1);
    CHECK(report->notes[0].find("does not include") != std::string::npos);
    CHECK(slurp(dir / "smb.conf").find("include") == std::string::npos);
    CHECK(slurp(options.includeFile).find("[global]\n\tlog level = 1 auth_json_audit:3\n") != std::string::npos);
    CHECK(report->processes == 1);
    CHECK(report->sent);
    CHECK(slurp(dir / "sent") == "1 auth_json_audit:3\n");
    REQUIRE(report->drift.size() == 1);
    CHECK(report->drift[0] == "pid 42: auth_json_audit 1 < 3");

    // unchanged: nothing written, nothing sent
    report = apply();
    REQUIRE(report);
    CHECK_FALSE(report->includeChanged);
    CHECK_FALSE(report->sent);
    CHECK(slurp(dir / "sent") == "1 auth_json_audit:3\n");

    // with consent: one include line, once
    options.addInclude = true;
    report = apply();
    REQUIRE(report);
    CHECK(report->hookAdded);
    const auto conf = slurp(dir / "smb.conf");
    CHECK(conf.starts_with("[global]\n\tserver role = active directory domain controller\n\tlog level = 1\n"));
    CHECK(conf.find("[global]\n\tinclude = " + options.includeFile + "\n") != std::string::npos);
    report = apply();
    REQUIRE(report);
    CHECK_FALSE(report->hookAdded);
    CHECK(report->hooked);
    CHECK(slurp(dir / "smb.conf") == conf);
}

TEST_CASE_FIXTURE(Fixture, "dry run and report-only write and send nothing")
{
    for (int mode = 0; mode < 2; ++mode) {
        options.dryRun = mode == 0;
        options.reportOnly = mode == 1;
        options.addInclude = true;
        auto report = apply();
        REQUIRE(report);
        CHECK(report->includeChanged);
        CHECK(report->hookAdded);
        CHECK(report->sent);
        CHECK(core::renderSambaSummary(*report).find("would be written") != std::string::npos);
        CHECK_FALSE(fs::exists(options.includeFile));
        CHECK_FALSE(fs::exists(dir / "sent"));
        CHECK(slurp(dir / "smb.conf").find("include") == std::string::npos);
    }
}

TEST_CASE_FIXTURE(Fixture, "not a DC, no smb.conf, a broken log level, smbcontrol failing")
{
    write(dir / "smb.conf", "[global]\n\tserver role = member server\n");
    auto report = apply();
    REQUIRE(report);
    CHECK_FALSE(report->dc);
    CHECK(report->skipped.find("not a Samba AD DC") != std::string::npos);
    CHECK_FALSE(fs::exists(options.includeFile));
    options.smbConf = (dir / "missing.conf").string();
    report = apply();
    REQUIRE(report);
    CHECK_FALSE(report->dc);
    options.smbConf = (dir / "smb.conf").string();
    write(dir / "smb.conf", "[global]\n\tserver role = dc\n\n\tlog level = 1 auth:99\n");
    report = apply();
    REQUIRE_FALSE(report);
    CHECK(report.error().str().find("smb.conf:4") != std::string::npos);
    write(dir / "smb.conf", "[global]\n\tserver role = dc\n");
    write(dir / "smbcontrol", "#!/bin/sh\nexit 1\n");
    report = apply();
    REQUIRE(report);
    CHECK(report->includeChanged); // the include file still takes effect at Samba's next start
    CHECK(report->notes.back().find("the running Samba was not changed") != std::string::npos);
}

TEST_CASE("run: argv without a shell, output bounded, timeout")
{
    auto out = samba::run({"/bin/echo", "a;b", "$(x)"}, std::chrono::seconds(5));
    REQUIRE(out);
    CHECK(*out == "a;b $(x)\n");
    CHECK_FALSE(samba::run({"echo", "x"}, std::chrono::seconds(5)));
    CHECK_FALSE(samba::run({"/bin/false"}, std::chrono::seconds(5)));
    auto slow = samba::run({"/bin/sleep", "5"}, std::chrono::seconds(1));
    REQUIRE_FALSE(slow);
    CHECK(slow.error().str().find("no answer within 1 s") != std::string::npos);
    CHECK_FALSE(samba::run({"/usr/bin/yes"}, std::chrono::seconds(5))); // more than 1 MiB
}
