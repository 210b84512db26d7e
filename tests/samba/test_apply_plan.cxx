// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16: one Samba apply decided from a snapshot (core/samba/apply_plan), no file and no smbcontrol.
// The adapter that reads and executes is samba-adapter; the real Samba is the integration test samba-dc.
#include "core/report/render.hxx"
#include "core/samba/apply_plan.hxx"
#include "unit/helpers.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;
using namespace gpaudit::core::samba;

namespace {

const std::string kDc = "[global]\n\tserver role = active directory domain controller\n\tlog level = 1\n";

Resultant resultantOf(const std::string &rows)
{
    std::vector<GpoInput> inputs{test::gpo("DDCP", std::string(test::kHeader) + rows)};
    return merge(test::data().catalog, inputs, LegacyMode::Auto);
}

// A DC's snapshot: smb.conf's text, the processes' debuglevel answer (none: smbcontrol failed).
SambaSnapshot snapshotOf(const std::string &smbConf, std::optional<std::string> live)
{
    SambaSnapshot held;
    held.smbConfFound = true;
    held.smbConfText = smbConf;
    held.smbConfMode = 0100640;
    held.smbConfUid = 7;
    held.smbConfGid = 8;
    auto conf = parseSmbConf(smbConf, "smb.conf");
    REQUIRE(conf);
    held.conf = *conf;
    auto admin = adminLevels(held.conf, "smb.conf");
    REQUIRE(admin);
    held.admin = *admin;
    if (live)
        held.debuglevel = *live;
    else
        held.debuglevelError = "/usr/bin/smbcontrol debuglevel: exit status 1";
    return held;
}

struct Fixture {
    Resultant resultant = resultantOf(test::row("kerberos-authentication-service", 3));
    SambaApplyOptions options;
    Fixture()
    {
        options.smbConf = "/etc/samba/smb.conf";
        options.includeFile = "/etc/samba/gpaudit-audit.conf";
        options.header = {"test"};
    }
    [[nodiscard]] SambaApplyPlan plan(const SambaSnapshot &held) const
    {
        return planSambaApply(test::data().catalog, test::data().mapping, resultant, held, options);
    }
};

void checkNothingDue(const SambaApplyPlan &plan)
{
    CHECK_FALSE(plan.includeDue);
    CHECK_FALSE(plan.smbConfDue);
    CHECK_FALSE(plan.sendDue);
}

} // namespace

TEST_CASE_FIXTURE(Fixture, "not a DC: nothing planned, the report says why")
{
    SambaSnapshot none; // no smb.conf
    auto planned = plan(none);
    checkNothingDue(planned);
    CHECK_FALSE(planned.report.dc);
    CHECK(planned.report.skipped == "no /etc/samba/smb.conf: not a Samba AD DC");
    CHECK(renderSambaSummary(planned.report) == "samba: no /etc/samba/smb.conf: not a Samba AD DC");

    SambaSnapshot member;
    member.smbConfFound = true;
    member.conf = *parseSmbConf("[global]\n\tserver role = member server\n", "smb.conf");
    planned = plan(member);
    checkNothingDue(planned);
    CHECK_FALSE(planned.report.dc);
    CHECK(planned.report.skipped == "not a Samba AD DC (/etc/samba/smb.conf: server role = member server)");
    CHECK(planned.report.notes.empty());
    member.conf = *parseSmbConf("[global]\n", "smb.conf");
    CHECK(plan(member).report.skipped == "not a Samba AD DC (/etc/samba/smb.conf: server role = (default))");
}

TEST_CASE_FIXTURE(Fixture, "the include file: written when missing or different, nothing when current")
{
    auto held = snapshotOf(kDc, "PID 42: all:1 auth_json_audit:1\n");
    auto planned = plan(held);
    CHECK(planned.report.dc);
    CHECK(planned.report.levels == "1 auth_json_audit:3");
    CHECK(planned.levels == "1 auth_json_audit:3");
    CHECK(planned.includeDue);
    CHECK(planned.report.includeChanged);
    CHECK(planned.includeFile == "/etc/samba/gpaudit-audit.conf");
    CHECK(planned.includeContent.starts_with("# test\n"));
    CHECK(planned.includeContent.ends_with("[global]\n\tlog level = 1 auth_json_audit:3\n"));

    held.includeText = planned.includeContent + "# edited\n";
    CHECK(plan(held).includeDue);

    held.includeText = planned.includeContent;
    planned = plan(held);
    CHECK_FALSE(planned.includeDue);
    CHECK_FALSE(planned.report.includeChanged);
    CHECK(renderSambaSummary(planned.report).find("include file unchanged") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "the running processes: sent only when an audit class is off the merged level")
{
    // at the merged level: nothing sent
    auto held = snapshotOf(kDc, "PID 42: all:1 auth_json_audit:3\nPID 43: all:1 auth_json_audit:3\n");
    auto planned = plan(held);
    CHECK_FALSE(planned.sendDue);
    CHECK_FALSE(planned.report.sent);
    CHECK(planned.report.processes == 2);
    CHECK(planned.report.drift.empty());
    CHECK(renderSambaSummary(planned.report).find("2 processes already at these levels") != std::string::npos);

    // the levels the policy needs reached through "all": nothing sent
    held = snapshotOf("[global]\n\tserver role = dc\n\tlog level = 3\n", "PID 42: all:3\n");
    CHECK(plan(held).levels == "3");
    CHECK_FALSE(plan(held).sendDue);

    // one process below: sent, its drift named
    held = snapshotOf(kDc, "PID 42: all:1 auth_json_audit:3\nPID 43: all:1 auth_json_audit:0\n");
    planned = plan(held);
    CHECK(planned.sendDue);
    CHECK(planned.report.sent);
    REQUIRE(planned.report.drift.size() == 1);
    CHECK(planned.report.drift[0] == "pid 43: auth_json_audit 0 < 3");

    // above the merged level (raised by hand, or a class the policy no longer needs): set back to it
    held = snapshotOf(kDc, "PID 42: all:1 auth_json_audit:3 dsdb_json_audit:5\n");
    planned = plan(held);
    CHECK(planned.sendDue);
    CHECK(planned.report.drift.empty());

    // no process answered: nothing sent, said
    held = snapshotOf(kDc, "");
    planned = plan(held);
    CHECK_FALSE(planned.sendDue);
    CHECK(planned.report.processes == 0);
    CHECK(planned.report.notes.back().find("no running Samba process answered") != std::string::npos);

    // smbcontrol failed: nothing sent, the include file still planned
    held = snapshotOf(kDc, std::nullopt);
    planned = plan(held);
    CHECK_FALSE(planned.sendDue);
    CHECK(planned.includeDue);
    CHECK(planned.report.notes.back() == "the running Samba was not changed: /usr/bin/smbcontrol debuglevel: exit "
                                         "status 1 (the include file takes effect at its next start)");
}

TEST_CASE_FIXTURE(Fixture, "the administrator's higher levels are kept")
{
    auto held = snapshotOf("[global]\n\tserver role = dc\n\tlog level = 2 auth_json_audit:5 winbind:4\n",
                           "PID 42: all:2 auth_json_audit:5 winbind:4\n");
    auto planned = plan(held);
    CHECK(planned.levels == "2 auth_json_audit:5 winbind:4");
    CHECK(planned.includeContent.ends_with("\tlog level = 2 auth_json_audit:5 winbind:4\n"));
    CHECK_FALSE(planned.sendDue); // the processes log more than the policy asks: left so
    CHECK(planned.report.drift.empty());
    CHECK(planned.report.plan.levels.at("auth_json_audit") == 3);
}

TEST_CASE_FIXTURE(Fixture, "smb.conf's include line: only with consent, once, keeping mode and owner")
{
    const std::string live = "PID 42: all:1 auth_json_audit:3\n";
    // no consent: smb.conf untouched, a note says what to do
    auto planned = plan(snapshotOf(kDc, live));
    CHECK_FALSE(planned.smbConfDue);
    CHECK_FALSE(planned.report.hooked);
    CHECK_FALSE(planned.report.hookAdded);
    REQUIRE(planned.report.notes.size() == 1);
    CHECK(planned.report.notes[0].find("does not include /etc/samba/gpaudit-audit.conf") != std::string::npos);

    // consent: one line appended (after a line break the file lacked), mode without the file type bits
    options.addInclude = true;
    const std::string unterminated = kDc + "[sysvol]\n\tpath = /x";
    planned = plan(snapshotOf(unterminated, live));
    CHECK(planned.smbConfDue);
    CHECK(planned.report.hookAdded);
    CHECK(planned.report.hooked);
    CHECK(planned.report.notes.empty());
    CHECK(planned.smbConf == "/etc/samba/smb.conf");
    CHECK(planned.smbConfContent == unterminated + "\n" + includeHook(options.includeFile));
    CHECK(planned.smbConfContent.ends_with("[global]\n\tinclude = /etc/samba/gpaudit-audit.conf\n"));
    CHECK(planned.smbConfMode == 0640);
    CHECK(planned.smbConfUid == 7);
    CHECK(planned.smbConfGid == 8);

    // already included (from any section): nothing to add
    planned = plan(snapshotOf(planned.smbConfContent, live));
    CHECK_FALSE(planned.smbConfDue);
    CHECK_FALSE(planned.report.hookAdded);
    CHECK(planned.report.hooked);
}

TEST_CASE_FIXTURE(Fixture, "dry run and report-only: everything decided, nothing due")
{
    options.addInclude = true;
    for (int mode = 0; mode < 2; ++mode) {
        options.dryRun = mode == 0;
        options.reportOnly = mode == 1;
        auto planned = plan(snapshotOf(kDc, "PID 42: all:1\n"));
        checkNothingDue(planned);
        CHECK(planned.report.wouldOnly);
        CHECK(planned.report.includeChanged);
        CHECK(planned.report.hookAdded);
        CHECK(planned.report.sent);
        const auto summary = renderSambaSummary(planned.report);
        CHECK(summary.find("include file would be written; include line would be added") != std::string::npos);
        CHECK(summary.find("1 processes would be set") != std::string::npos);
    }
}

TEST_CASE("the administrator's log level: an error names smb.conf's line")
{
    auto conf = parseSmbConf("[global]\n\tserver role = dc\n\n\tlog level = 1 auth:99\n", "smb.conf");
    REQUIRE(conf);
    auto admin = adminLevels(*conf, "smb.conf");
    REQUIRE_FALSE(admin);
    CHECK(admin.error().str().find("smb.conf:4") != std::string::npos);
    conf = parseSmbConf("[global]\n\tserver role = dc\n", "smb.conf");
    REQUIRE(conf);
    admin = adminLevels(*conf, "smb.conf");
    REQUIRE(admin);
    CHECK(admin->str() == "0");
}
