// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16: the resultant policy as a Samba AD DC's audit logging (core/samba/audit_conf).
#include "core/samba/audit_conf.hxx"
#include "unit/helpers.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;
using namespace gpaudit::core::samba;

namespace {

Resultant resultantOf(const std::string &rows)
{
    std::vector<GpoInput> inputs{test::gpo("DDCP", std::string(test::kHeader) + rows)};
    return merge(test::data().catalog, inputs, LegacyMode::Auto);
}

SambaPlan planOf(const std::string &rows)
{
    return translate(test::data().catalog, test::data().mapping, resultantOf(rows));
}

} // namespace

TEST_CASE("smb.conf: the AD DC role, log level and includes")
{
    const auto conf =
        parseSmbConf("# comment\n[global]\n\tServer Role = active directory domain controller\n"
                     "\tlog level = 1 \\\n   auth:3\n; x\n[sysvol]\n\tpath = /x\n\tinclude = /etc/samba/a.conf\n",
                     "smb.conf");
    REQUIRE(conf);
    CHECK(conf->adDc);
    REQUIRE(conf->logLevel);
    CHECK(*conf->logLevel == "1  auth:3");
    CHECK(conf->logLevelLine == 4);
    REQUIRE(conf->includes.size() == 1);
    CHECK(conf->includes[0] == "/etc/samba/a.conf");
    CHECK(isAdDcRole("DC"));
    CHECK(isAdDcRole("domain controller"));
    CHECK_FALSE(isAdDcRole("member server"));
    CHECK_FALSE(parseSmbConf("[global]\nserver role = member server\n", "smb.conf")->adDc);
    // a log level in a share section is not the global one
    CHECK_FALSE(parseSmbConf("[share]\nlog level = 3\n", "smb.conf")->logLevel);
    CHECK_FALSE(parseSmbConf("[global\n", "smb.conf"));
}

TEST_CASE("log level: parsed as Samba reads it, refused when unsafe")
{
    auto levels = parseDebugLevels("1 auth:3, full_audit:1@/var/log/audit.log;winbind:2", "smb.conf");
    REQUIRE(levels);
    CHECK(levels->all == 1);
    CHECK(levels->level("auth") == 3);
    CHECK(levels->level("tdb") == 1);
    CHECK(levels->str() == "1 auth:3 full_audit:1@/var/log/audit.log winbind:2");
    CHECK(parseDebugLevels("", "x")->all == 0);
    CHECK_FALSE(parseDebugLevels("11", "x"));
    CHECK_FALSE(parseDebugLevels("auth:x", "x"));
    CHECK_FALSE(parseDebugLevels("Auth:3", "x"));
    CHECK_FALSE(parseDebugLevels("auth", "x"));
    CHECK_FALSE(parseDebugLevels("auth:3@", "x"));
}

TEST_CASE("translate: each setting needs its classes and levels")
{
    using test::row;
    SUBCASE("Kerberos Authentication Service Failure alone: auth_json_audit:2, exact")
    {
        const auto plan = planOf(row("kerberos-authentication-service", 2));
        CHECK(plan.levels.at("auth_json_audit") == 2);
        REQUIRE(plan.lines.size() == 1);
        CHECK(plan.lines[0].note.empty());
    }
    SUBCASE("Success and Failure: 3 (the higher)")
    {
        const auto plan = planOf(row("kerberos-authentication-service", 3) + row("credential-validation", 2));
        CHECK(plan.levels.at("auth_json_audit") == 3);
        CHECK(plan.lines.size() == 2);
    }
    SUBCASE("service tickets need authorizations (4) and are coarse")
    {
        const auto plan = planOf(row("kerberos-service-ticket-operations", 1));
        CHECK(plan.levels.at("auth_json_audit") == 4);
        CHECK_FALSE(plan.lines[0].note.empty());
    }
    SUBCASE("Failure of a subcategory Samba only logs on success: nothing, said")
    {
        const auto plan = planOf(row("user-account-management", 2));
        CHECK(plan.levels.empty());
        REQUIRE(plan.lines.size() == 1);
        CHECK(plan.lines[0].note.find("nothing") != std::string::npos);
    }
    SUBCASE("account and DS subcategories")
    {
        const auto plan = planOf(row("user-account-management", 1) + row("security-group-management", 1) +
                                 row("directory-service-changes", 1));
        CHECK(plan.levels.at("dsdb_json_audit") == 5);
        CHECK(plan.levels.at("dsdb_password_json_audit") == 5);
        CHECK(plan.levels.at("dsdb_group_json_audit") == 5);
        CHECK_FALSE(plan.levels.contains("auth_json_audit"));
    }
    SUBCASE("No Auditing and subcategories without a Samba realisation need nothing")
    {
        const auto plan = planOf(row("kerberos-authentication-service", 4) + row("process-creation", 3));
        CHECK(plan.levels.empty());
        CHECK(plan.lines.empty());
    }
}

TEST_CASE("merge: the administrator's levels are raised, never lowered")
{
    const auto plan =
        planOf(test::row("kerberos-authentication-service", 2) + test::row("directory-service-changes", 1));
    auto admin = parseDebugLevels("1 auth_json_audit:4 winbind:2", "smb.conf");
    REQUIRE(admin);
    const auto merged = merge(*admin, plan);
    CHECK(merged.level("auth_json_audit") == 4); // the administrator's 4 stays
    CHECK(merged.level("dsdb_json_audit") == 5);
    CHECK(merged.level("winbind") == 2);
    CHECK(merged.all == 1);
    CHECK(merged.str() == "1 auth_json_audit:4 dsdb_json_audit:5 winbind:2");
    // an "all" level above the plan's needs no class of its own
    auto loud = parseDebugLevels("10", "smb.conf");
    CHECK(merge(*loud, plan).str() == "10");
    // nothing set: the administrator's own line, unchanged
    CHECK(merge(*admin, SambaPlan{}) == *admin);
}

TEST_CASE("the include file: comments cannot break out, one log level line")
{
    const auto plan = planOf(test::row("kerberos-authentication-service", 3));
    const auto text =
        renderInclude(test::data().catalog, merge({}, plan), plan, {"from GPO \"evil\n[global]\nlog level = 0\""});
    std::size_t settings = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        const auto line = text.substr(pos, end - pos);
        if (!line.empty() && line[0] != '#') {
            CHECK((line == "[global]" || line.starts_with("\tlog level = ")));
            settings += line.starts_with("\tlog level") ? 1 : 0;
        }
        pos = end + 1;
    }
    CHECK(settings == 1);
    CHECK(text.find("\tlog level = 0 auth_json_audit:3\n") != std::string::npos);
    CHECK(text.find("Kerberos Authentication Service: Success and Failure -> auth_json_audit:3") != std::string::npos);
}

TEST_CASE("drift: smbcontrol's debuglevel answer against the plan")
{
    const auto plan =
        planOf(test::row("kerberos-authentication-service", 3) + test::row("directory-service-changes", 1));
    const std::string answer = "PID 12525: all:0 tdb:0 auth_json_audit:3 dsdb_json_audit:5\n"
                               "PID 12525: all:0 tdb:0 auth_json_audit:3 dsdb_json_audit:5\n"
                               "PID 12546: all:0 tdb:0 auth_json_audit:0 dsdb_json_audit:5\n"
                               "garbage\nPID x: all:1\n";
    const auto live = parseDebuglevelAnswer(answer);
    REQUIRE(live.size() == 2);
    const auto missing = drift(live, plan);
    REQUIRE(missing.size() == 1);
    CHECK(missing[0] == "pid 12546: auth_json_audit 0 < 3");
    CHECK(drift(parseDebuglevelAnswer("PID 1: all:5\n"), plan).empty());     // "all" counts for every class
    CHECK(drift(parseDebuglevelAnswer("PID 1: all:3\n"), plan).size() == 1); // dsdb_json_audit needs 5
}

TEST_CASE("mapping data: the DC subcategories have a Samba realisation")
{
    std::size_t samba = 0, onlySamba = 0;
    for (std::size_t i = 0; i < test::data().catalog.subcategories().size(); ++i) {
        const auto &map = test::data().mapping.of(i);
        if (!map.samba)
            continue;
        ++samba;
        onlySamba += map.mapped ? 0 : 1;
        CHECK_FALSE(map.samba->how.empty());
        CHECK_FALSE(map.samba->events.empty());
        for (const auto *list : {&map.samba->success, &map.samba->failure})
            for (const auto &item : *list)
                CHECK(isAuditClass(item.substr(0, item.find(':'))));
    }
    MESSAGE(samba << " subcategories with a Samba realisation, " << onlySamba << " of them only there");
    CHECK(samba == 10);
    CHECK(onlySamba == 6); // the Kerberos pair, DS Access, Changes, Replication, Distribution Groups
}
