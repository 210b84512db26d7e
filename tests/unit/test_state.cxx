// SPDX-License-Identifier: GPL-2.0-or-later
// The state directory: the GPO file cache (written without fsync, so checked on read), the last applied
// sync, pruning.
#include "host/data/rules_data.hxx"
#include "host/state/state.hxx"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace gpaudit;

namespace {

const std::string kGuid = "31B2F340-016D-11D2-945F-00C04FB984F9";

struct TempDir {
    TempDir()
    {
        char pattern[] = "/tmp/gpaudit-state-test.XXXXXX";
        path = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
};

const std::string kCsv = "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion "
                         "Setting,Setting Value\r\n,System,Process Creation,{0CCE922B-69AE-11D9-BED3-505054503030},"
                         "Success,,1\r\n";

} // namespace

TEST_CASE("cached GPO files round-trip; a lost, short or altered file makes the version not cached")
{
    TempDir dir;
    REQUIRE(host::writeCachedGpo(dir.path, kGuid, 3, {kCsv, std::nullopt, std::nullopt}));
    auto cached = host::readCachedGpo(dir.path, kGuid, 3);
    REQUIRE(cached);
    CHECK(cached->auditCsv == kCsv);
    CHECK_FALSE(cached->gptTmplInf);
    CHECK_FALSE(host::readCachedGpo(dir.path, kGuid, 4)); // another version was never fetched

    const std::string file = dir.path + "/gpo/" + kGuid + "/3/audit.csv";
    std::ofstream(file, std::ios::trunc) << kCsv.substr(0, 20); // short, as after a crash
    CHECK_FALSE(host::readCachedGpo(dir.path, kGuid, 3));
    std::string altered = kCsv;
    altered[altered.size() - 3] = '2'; // same size, other content
    std::ofstream(file, std::ios::trunc) << altered;
    CHECK_FALSE(host::readCachedGpo(dir.path, kGuid, 3));
    std::filesystem::remove(file);
    CHECK_FALSE(host::readCachedGpo(dir.path, kGuid, 3));

    // A GUID that is not canonical never becomes a path.
    CHECK_FALSE(host::writeCachedGpo(dir.path, "../../etc", 1, {}));
    CHECK_FALSE(host::writeCachedGpo(dir.path, "31b2f340-016d-11d2-945f-00c04fb984f9", 1, {}));
    CHECK_FALSE(host::readCachedGpo(dir.path, "../" + kGuid, 3));
}

TEST_CASE("the last applied sync: recorded, reloaded, and an error when its files are gone")
{
    TempDir dir;
    auto data = host::loadRulesData();
    REQUIRE(data);
    CHECK_FALSE(host::loadLastApplied(data->catalog, dir.path)); // no sync yet

    host::SyncState state;
    state.time = "2026-11-22T06:00:00Z";
    state.realm = "GPA.TEST";
    state.machine = "LINUX1$";
    state.gpos.push_back({kGuid, "GPA Test", "OU=Linux,DC=gpa,DC=test", false, true, "", 3, true, false, "fetched"});
    state.applied.push_back({kGuid, "GPA Test", 3});
    REQUIRE(host::writeCachedGpo(dir.path, kGuid, 3, {kCsv, std::nullopt, std::nullopt}));
    REQUIRE(host::writeSyncState(dir.path, state));

    auto last = host::loadLastApplied(data->catalog, dir.path);
    REQUIRE(last);
    CHECK(last->state.machine == "LINUX1$");
    CHECK(last->state.mode == "applied");
    CHECK(last->state.kernelTime == "");

    // A policy staged for the next boot (immutable kernel): recorded as such, with the sync whose policy
    // the kernel still holds.
    state.mode = "staged";
    state.kernelTime = "2026-11-21T06:00:00Z";
    REQUIRE(host::writeSyncState(dir.path, state));
    auto staged = host::readSyncState(dir.path);
    REQUIRE(staged);
    CHECK(staged->mode == "staged");
    CHECK(staged->kernelTime == "2026-11-21T06:00:00Z");
    state.mode = "applied";
    state.kernelTime = state.time;
    REQUIRE(host::writeSyncState(dir.path, state));
    REQUIRE(last->state.gpos.size() == 1);
    CHECK(last->state.gpos[0].status == "fetched");
    REQUIRE(last->loaded.inputs.size() == 1);
    CHECK(last->loaded.inputs[0].auditCsv);
    CHECK(last->loaded.problems.empty());

    // Pruning keeps what the state refers to, removes other versions and GPOs.
    REQUIRE(host::writeCachedGpo(dir.path, kGuid, 2, {kCsv, std::nullopt, std::nullopt}));
    REQUIRE(host::writeCachedGpo(dir.path, "6AC1786C-016F-11D2-945F-00C04FB984F9", 1, {}));
    host::pruneCache(dir.path, state.applied);
    CHECK(host::readCachedGpo(dir.path, kGuid, 3));
    CHECK_FALSE(host::readCachedGpo(dir.path, kGuid, 2));
    CHECK_FALSE(std::filesystem::exists(dir.path + "/gpo/6AC1786C-016F-11D2-945F-00C04FB984F9"));

    std::filesystem::remove_all(dir.path + "/gpo");
    auto missing = host::loadLastApplied(data->catalog, dir.path);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("GPA Test {" + kGuid + "} version 3 are missing") != std::string::npos);

    std::ofstream(dir.path + "/state.yaml", std::ios::trunc) << "format: 1\napplied:\n  - {guid: ../x, version: 1}\n";
    auto bad = host::loadLastApplied(data->catalog, dir.path);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("malformed GUID") != std::string::npos);
}

TEST_CASE("cached files follow the GPO's registered extensions (MS-GPOL 3.2.5.1.10)")
{
    const auto data = host::loadRulesData();
    REQUIRE(data);
    // GptTmpl.inf as UTF-8 (the parser reads UTF-8 and UTF-16LE): [Event Audit] for the Privilege Use category.
    const std::string inf = "[Unicode]\r\nUnicode=yes\r\n[Event Audit]\r\nAuditPrivilegeUse = 2\r\n";
    host::CachedGpo files{kCsv, inf, std::nullopt};
    core::ExtensionList securityOnly{{std::string(core::kSecurityCse)}, "gPCMachineExtensionNames"};
    SUBCASE("registered only for the Security CSE: [Event Audit] used, audit.csv not")
    {
        auto loaded = host::parseCachedPolicy(data->catalog, {{{kGuid, "Default Domain Policy"}, files, securityOnly}});
        REQUIRE(loaded.inputs.size() == 1);
        const auto &in = loaded.inputs[0];
        CHECK_FALSE(in.auditCsv);
        REQUIRE(in.securityTemplate);
        CHECK(in.securityTemplate->eventAudit.contains("AuditPrivilegeUse"));
        REQUIRE(in.files.size() == 2);
        CHECK(in.files[0].file == "audit.csv");
        CHECK_FALSE(in.files[0].used);
        CHECK(in.files[0].why.find("MS-GPOL 3.2.5.1.10") != std::string::npos);
        CHECK(in.files[1].file == "GptTmpl.inf");
        CHECK(in.files[1].used);
        CHECK(loaded.problems.empty());
    }
    SUBCASE("the reverse, and a file the sync did not fetch is said so")
    {
        core::ExtensionList auditOnly{{std::string(core::kAuditCse)}, "gPCMachineExtensionNames"};
        auto loaded = host::parseCachedPolicy(
            data->catalog,
            {{{kGuid, "Default Domain Policy"}, host::CachedGpo{kCsv, std::nullopt, std::nullopt}, auditOnly}});
        const auto &in = loaded.inputs[0];
        CHECK(in.auditCsv);
        CHECK_FALSE(in.securityTemplate);
        REQUIRE(in.files.size() == 2);
        CHECK(in.files[0].used);
        CHECK_FALSE(in.files[1].used);
        CHECK(in.files[1].why.find("not fetched") != std::string::npos);
    }
    SUBCASE("no list known: both read")
    {
        auto loaded = host::parseCachedPolicy(data->catalog, {{{kGuid, "Default Domain Policy"}, files, std::nullopt}});
        CHECK(loaded.inputs[0].auditCsv);
        CHECK(loaded.inputs[0].securityTemplate);
    }
}
