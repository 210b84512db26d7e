// SPDX-License-Identifier: GPL-2.0-or-later
// The renderers of a sync (core/report/render.hxx) against expected text, byte for byte: what
// `gpauditctl sync` and gpauditd print for a report value, without a domain or a kernel. And the one
// parser of a GPO's files (host/gpo/offline.hxx parseGpoFiles) for the cache and the offline sources.
#include "core/base/json.hxx"
#include "core/base/time_text.hxx"
#include "core/report/render.hxx"
#include "helpers.hxx"
#include "host/gpo/offline.hxx"
#include "host/state/state.hxx"

using namespace gpaudit;
using core::ApplyMode;
using core::SyncEvent;
using core::SyncResult;

namespace {

core::SyncReport sampleReport()
{
    core::SyncReport report;
    report.result = SyncResult::Partial;
    report.partial = true;
    report.record.time = "2026-12-02T01:45:00Z";
    report.record.realm = "GPA.TEST";
    report.record.machine = "LINUX1$";
    report.record.dc = "dc1.gpa.test";
    report.record.site = "Default-First-Site-Name";
    report.record.computerDn = "CN=LINUX1,OU=Servers,DC=gpa,DC=test";
    report.record.gpos = {
        {"31B2F340-016D-11D2-945F-00C04FB984F9", "Default Domain Policy", "DC=gpa,DC=test", false, true, "", 3, true,
         false, "cached"},
        {"6AC1786C-016F-11D2-945F-00C04FB984F9", "Off\x1b[2J", "OU=Servers,DC=gpa,DC=test", true, false,
         "link disabled", 0, false, false, ""},
    };
    report.gposApplied = 1;
    report.rules = 42;
    core::ApplySummary apply;
    apply.added = {"-a always,exit -F arch=b64 -S execve -k gpaudit-process-creation"};
    apply.removed = {};
    apply.unchanged = 41;
    apply.netlinkWrites = 1;
    apply.rulesFileWritten = true;
    apply.rulesFile = "/etc/audit/rules.d/30-gpaudit.rules";
    apply.elapsed = std::chrono::microseconds(2345);
    report.apply = apply;
    report.notes = {"GPO x: kept version 2 (fetch failed: \"boom\")"};
    report.guardrails = {"failure_mode_max: -f 2 lowered to 1"};
    auto &stats = report.stats;
    stats.gposFetched = 0;
    stats.gposCached = 1;
    stats.ldapSearches = 3;
    stats.ldapRoundTrips = 2;
    stats.ssf = 256;
    stats.ldapSessionKept = true;
    stats.dcAddress = "127.0.0.2";
    stats.smbFiles = 0;
    stats.smbBytes = 0;
    stats.stages = {{"ldap", std::chrono::microseconds(1234)}, {"translate", std::chrono::microseconds(500)}};
    stats.total = std::chrono::microseconds(9876);
    return report;
}

} // namespace

TEST_CASE("sync summary as text: the line, the wire figures, the times and the GPO list")
{
    const auto text = core::renderSyncText(sampleReport());
    CHECK(text ==
          "sync partial: DC dc1.gpa.test, site Default-First-Site-Name; 1 of 2 GPOs applied (0 fetched, 1 from cache); "
          "42 rules (added 1, removed 0, unchanged 41)\n"
          "  LDAP: 3 searches in 2 round trips (SSF 256, session kept, DC address 127.0.0.2); SMB: 0 files, 0 bytes\n"
          "  time: ldap 1.2 ms, translate 0.5 ms, total 9.9 ms\n"
          "Domain GPA.TEST, computer LINUX1$ (CN=LINUX1,OU=Servers,DC=gpa,DC=test)\n"
          "Domain controller dc1.gpa.test, site Default-First-Site-Name; applied 2026-12-02T01:45:00Z\n"
          "\n"
          "Group Policy objects, in processing order (the last applied wins):\n"
          "  applied  Default Domain Policy {31B2F340-016D-11D2-945F-00C04FB984F9}\n"
          "             linked at DC=gpa,DC=test, version 3, cached\n"
          "  skipped  Off\\x1b[2J {6AC1786C-016F-11D2-945F-00C04FB984F9}\n"
          "             linked at OU=Servers,DC=gpa,DC=test (enforced); why: link disabled\n");
}

TEST_CASE("sync summary: a dry run and a staged policy say would; last-known-good says why")
{
    auto report = sampleReport();
    report.dryRun = true;
    CHECK(core::renderSyncText(report).starts_with(
        "sync partial (dry run): DC dc1.gpa.test, site Default-First-Site-Name; 1 of 2 GPOs applied (0 fetched, 1 "
        "from cache); 42 rules (would add 1, would remove 0, unchanged 41)\n"));
    report = sampleReport();
    report.apply->mode = ApplyMode::Stage;
    CHECK(core::renderSyncText(report).find(
              "42 rules (staged, takes effect at the next boot: would add 1, would remove 0, unchanged 41)") !=
          std::string::npos);
    report = sampleReport();
    report.result = SyncResult::LastKnownGood;
    report.unreachable = "no DC answered";
    CHECK(core::renderSyncText(report).find("LAST-KNOWN-GOOD: the domain could not be reached (no DC answered); this "
                                            "is the last applied policy\n") != std::string::npos);
}

TEST_CASE("sync summary as JSON: valid, every member, escaped")
{
    const auto catalogOnly = core::renderSyncJson(sampleReport(), test::data().catalog, test::data().mapping);
    const auto json = core::Json::parse(catalogOnly);
    CHECK(json["result"] == "partial");
    CHECK(json["dryRun"] == false);
    CHECK(json["mode"] == "applied");
    CHECK(json["gposConsidered"] == 2);
    CHECK(json["gposApplied"] == 1);
    CHECK(json["gposCached"] == 1);
    CHECK(json["ldap"]["searches"] == 3);
    CHECK(json["ldap"]["sessionKept"] == true);
    CHECK(json["rules"]["total"] == 42);
    CHECK(json["rules"]["added"] == 1);
    CHECK(json["rules"]["unchanged"] == 41);
    CHECK(json["stagesMs"]["ldap"] == 1.234);
    CHECK(json["totalMs"] == 9.876);
    CHECK(json["notes"][0] == "GPO x: kept version 2 (fetch failed: \"boom\")");
    CHECK(json["guardrails"].size() == 1);
    CHECK_FALSE(json.contains("policy")); // not translated in this report
    // The member order is the documented one.
    CHECK(catalogOnly.starts_with("{\n  \"result\": \"partial\",\n  \"dryRun\": false,\n  \"mode\": \"applied\","));
}

TEST_CASE("sync events: the lines gpauditctl prints and gpauditd logs")
{
    SyncEvent step;
    step.kind = SyncEvent::Kind::Step;
    step.text = "ldap: dc1.gpa.test";
    step.number = 2;
    CHECK(core::renderSyncEvent(step, "gpauditctl", false) == std::vector<std::string>{"[2] ldap: dc1.gpa.test"});
    SyncEvent lost;
    lost.kind = SyncEvent::Kind::LastKnownGood;
    lost.text = "no DC answered";
    lost.time = "2026-12-01T00:00:00Z";
    lost.number = 3;
    CHECK(core::renderSyncEvent(lost, "gpauditd", false) ==
          std::vector<std::string>{"the domain could not be reached: no DC answered\ngpauditd: the last-known-good "
                                   "policy of 2026-12-01T00:00:00Z (3 GPOs) stays in force"});
    SyncEvent problem;
    problem.kind = SyncEvent::Kind::Problem;
    problem.gpo = {"31B2F340-016D-11D2-945F-00C04FB984F9", "Baseline"};
    problem.rejected = true;
    problem.text = "audit.csv:2:1: bad";
    CHECK(core::renderSyncEvent(problem, "gpauditctl", false) ==
          std::vector<std::string>{"error: Baseline {31B2F340-016D-11D2-945F-00C04FB984F9}: audit.csv:2:1: bad"});
    const auto report = sampleReport();
    SyncEvent applied;
    applied.kind = SyncEvent::Kind::Applied;
    applied.apply = &*report.apply;
    CHECK(core::renderSyncEvent(applied, "gpauditctl", false) ==
          std::vector<std::string>{"added 1, removed 0, unchanged 41; 1 netlink writes; wrote "
                                   "/etc/audit/rules.d/30-gpaudit.rules; 2.3 ms"});
    CHECK(core::renderSyncEvent(applied, "gpauditctl", true).empty()); // the JSON has the figures
}

TEST_CASE("apply summary: report-only, staged, dry run; the rules listed")
{
    core::ApplySummary apply;
    apply.added = {"A"};
    apply.removed = {"R"};
    apply.unchanged = 2;
    apply.statusChanges = {"-b 8192 (was 64)"};
    apply.mode = ApplyMode::ReportOnly;
    apply.modeReason = "report_only";
    CHECK(core::renderApplyText(apply) == "+ A\n- R\n  would set -b 8192 (was 64)\nreport-only: would add 1, would "
                                          "remove 1, unchanged 2; 0 netlink writes; 0.0 ms\n");
    apply.mode = ApplyMode::Stage;
    apply.rulesFileWritten = true;
    apply.rulesFile = "/r";
    CHECK(core::renderApplyLine(apply) ==
          "staged, takes effect at the next boot: would add 1, would remove 1, unchanged 2; 0 netlink writes; wrote "
          "/r; 0.0 ms");
    apply.dryRun = true;
    CHECK(core::renderApplyLine(apply).starts_with("would stage, takes effect at the next boot: "));
    CHECK(core::renderApplyLine(apply).find("; would write /r; ") != std::string::npos);
}

TEST_CASE("status without gpauditd: text and JSON of the last applied sync and the kernel")
{
    const auto report = sampleReport();
    core::SyncRecord last = report.record;
    last.applied = {{"31B2F340-016D-11D2-945F-00C04FB984F9", "Default Domain Policy", 3}};
    last.mode = "staged";
    const core::AuditState kernel{1, 1, 812, 0, 8192, 0, 0};
    core::OfflineStatus status;
    status.socket = "/run/gpauditd/control.sock";
    status.last = &last;
    status.rulesFile = "/etc/audit/rules.d/30-gpaudit.rules";
    status.kernel = &kernel;
    status.rulesInKernel = 42;
    const auto text = core::renderOfflineStatusText(status);
    CHECK(text.starts_with("gpauditd: not running (nothing listens at /run/gpauditd/control.sock)\n"
                           "  rules:       42 gpaudit rules in the kernel\n"
                           "  kernel:      audit enabled (1), audit daemon pid 812, lost 0, backlog 0 of 8192\n"
                           "last applied sync: 2026-12-02T01:45:00Z, DC dc1.gpa.test, site Default-First-Site-Name, 1 "
                           "GPOs applied\n"
                           "mode: staged, takes effect at the next boot (the kernel's audit configuration was "
                           "immutable, -e 2; the policy is in /etc/audit/rules.d/30-gpaudit.rules; the kernel held "
                           "the policy of an unknown sync)\n"
                           "Domain GPA.TEST"));
    const auto json = core::Json::parse(core::renderOfflineStatusJson(status));
    CHECK(json["daemon"]["running"] == false);
    CHECK(json["lastApplied"]["gpos"] == 1);
    CHECK(json["lastApplied"]["mode"] == "staged");
    CHECK(json["kernel"]["auditDaemonPid"] == 812);
    CHECK(json["rulesInKernel"] == 42);
    status.last = nullptr;
    status.lastError = "no policy has been applied from the domain yet";
    status.kernel = nullptr;
    status.kernelError = "no audit";
    CHECK(core::renderOfflineStatusText(status) ==
          "gpauditd: not running (nothing listens at /run/gpauditd/control.sock)\n"
          "  kernel:      cannot read the audit status: no audit\n"
          "last applied sync: none (no policy has been applied from the domain yet)\n");
    CHECK(core::Json::parse(core::renderOfflineStatusJson(status))["kernel"]["error"] == "no audit");
}

TEST_CASE("status with gpauditd: text and JSON of what the daemon knows")
{
    const auto report = sampleReport();
    core::SyncRecord state = report.record;
    state.applied = {{"31B2F340-016D-11D2-945F-00C04FB984F9", "Default Domain Policy", 3}};
    state.mode = "staged";
    state.kernelTime = "2026-12-01T22:00:00Z";
    const core::AuditState kernel{1, 1, 812, 0, 8192, 0, 0};
    core::DaemonStatus status;
    status.version = "1.2.3";
    status.pid = 4242;
    status.since = "2026-12-02T01:00:00Z";
    status.socket = "/run/gpauditd/control.sock";
    status.state = &state;
    status.mode = ApplyMode::Stage;
    status.modeReason = "the kernel's audit configuration is immutable (-e 2)";
    status.rulesFile = "/etc/audit/rules.d/30-gpaudit.rules";
    status.guardrails = {"failure_mode_max: -f 2 lowered to 1"};
    status.rulesInForce = 42;
    status.kernel = &kernel;
    status.syncs = 3;
    status.last = &report;
    status.lastTime = "2026-12-02T01:45:00Z";
    status.lastExitCode = 3;
    status.running =
        core::DaemonStatus::Running{"2026-12-02T02:00:00Z", std::chrono::seconds(75), 777, "ldap: \x1b[2J discovering"};
    status.waiting = 1;
    status.nextSyncIn = std::chrono::seconds(0);
    status.nextSyncAt = "2026-12-02T02:01:15Z";
    status.fullReapplyIn = std::chrono::seconds(3600 * 5 + 60);
    status.fullReapplyAt = "2026-12-02T07:02:15Z";
    status.failures = 2;
    status.lastError = "sync failed: no DC";
    status.lastErrorTime = "2026-12-02T01:50:00Z";
    status.controlWaiting = 1;
    status.controlDropped = 4;
    status.driftRestored = 1;
    status.watchError = "no multicast";
    status.driftCheckEvery = std::chrono::seconds(5);
    status.drifts = {
        {"2026-12-02T01:55:00Z", 3, 42, "auid=0 (root) ses=3", "restored", std::chrono::microseconds(26400)}};
    CHECK(core::renderDaemonStatusText(status) ==
          "gpauditd 1.2.3: running, pid 4242, since 2026-12-02T01:00:00Z\n"
          "  domain:      GPA.TEST, computer LINUX1$, DC dc1.gpa.test, site Default-First-Site-Name\n"
          "  mode:        staged, takes effect at the next boot: the kernel's audit configuration is immutable "
          "(-e 2); the policy of 2026-12-02T01:45:00Z is in /etc/audit/rules.d/30-gpaudit.rules, the kernel holds "
          "the one of 2026-12-01T22:00:00Z\n"
          "  guardrail:   failure_mode_max: -f 2 lowered to 1\n"
          "  policy:      42 rules in force, from the sync of 2026-12-02T01:45:00Z (1 GPOs applied)\n"
          "  kernel:      audit enabled (1), audit daemon pid 812, lost 0, backlog 0 of 8192\n"
          "  last sync:   2026-12-02T01:45:00Z, partial, DC dc1.gpa.test, 9.9 ms\n"
          "  sync now:    in progress since 2026-12-02T02:00:00Z (75s), requested by pid 777: ldap: \\x1b[2J "
          "discovering\n"
          "  waiting:     1 more syncs after this one\n"
          "  next sync:   after the one in progress, retry 2\n"
          "  full reapply: 2026-12-02T07:02:15Z (in 5h 1m)\n"
          "  last error:  2026-12-02T01:50:00Z sync failed: no DC\n"
          "  control:     1 connections waiting for their request, 4 dropped (no request within 5 s, oversized, or "
          "too many)\n"
          "  drift:       1 restored; records not watched (no multicast), check every 5s\n"
          "    2026-12-02T01:55:00Z: 3 of 42 rules removed by auid=0 (root) ses=3; restored in 26.4 ms\n" +
              core::renderGpoList(state));
    const auto json = core::Json::parse(core::renderDaemonStatusJson(status));
    CHECK(json["daemon"]["pid"] == 4242);
    CHECK(json["realm"] == "GPA.TEST");
    CHECK(json["mode"] == "staged");
    CHECK(json["modeText"].get<std::string>().starts_with("staged, takes effect at the next boot: "));
    CHECK(json["lastSync"]["exitCode"] == 3);
    CHECK(json["lastSync"]["totalMs"] == 9.9);
    CHECK(json["syncInProgress"]["seconds"] == 75);
    CHECK(json["syncInProgress"]["requestedBy"] == 777);
    // A sync runs: what is kept is not known (the sync worker may be changing it).
    CHECK(json["kept"]["ldapSession"].is_null());
    CHECK(json["kept"]["smb"].is_null());
    CHECK(json["nextFullReapplyInSeconds"] == 18060);
    CHECK(json["drift"]["events"][0]["tookMs"] == 26.4);
    CHECK(json["gpos"].size() == 2);
    // The sd_notify line: a sync running, then the last sync (staged) and the next.
    CHECK(core::renderDaemonStatusLine(status) ==
          "Syncing with the domain since 2026-12-02T02:00:00Z; 42 rules in force");
    status.running.reset();
    status.nextSyncIn = std::chrono::seconds(330);
    CHECK(core::renderDaemonStatusLine(status) ==
          "Last sync 2026-12-02T01:45:00Z failed: 42 rules in force; new policy staged, takes effect at the next "
          "boot; next sync in 5m 30s");

    // Idle, never synced, nothing running, the kernel unreadable; report-only.
    core::DaemonStatus idle;
    idle.version = "1.2.3";
    idle.pid = 1;
    idle.since = "2026-12-02T01:00:00Z";
    idle.notJoined = "no keytab";
    idle.retryMax = std::chrono::seconds(1800);
    idle.reportOnly = true;
    idle.kernelError = "no audit";
    idle.nextSyncAt = "2026-12-02T01:30:00Z";
    idle.nextSyncIn = std::chrono::seconds(1800);
    idle.fullReapplyAt = "2026-12-02T07:00:00Z";
    idle.fullReapplyIn = std::chrono::seconds(6 * 3600);
    idle.recordsWatched = true;
    idle.driftCheckEvery = std::chrono::seconds(5);
    CHECK(core::renderDaemonStatusText(idle) ==
          "gpauditd 1.2.3: running, pid 1, since 2026-12-02T01:00:00Z\n"
          "  not joined to a domain: no keytab\n"
          "  idle: checking again every 30m and at systemctl reload\n"
          "  mode:        report-only (report_only in gpauditd.conf): the policy is computed and shown, nothing is "
          "changed\n"
          "  policy:      0 rules in force\n"
          "  kernel:      cannot read the audit status: no audit\n"
          "  last sync:   none yet\n"
          "  next sync:   2026-12-02T01:30:00Z (in 30m)\n"
          "  full reapply: 2026-12-02T07:00:00Z (in 6h 0m)\n"
          "  last error:  none\n"
          "  control:     0 connections waiting for their request, 0 dropped (no request within 5 s, oversized, or "
          "too many)\n"
          "  drift:       0 restored; CONFIG_CHANGE records watched, check every 5s\n");
    idle.ldapSessionKept = false;
    idle.smbKept = true;
    const auto idleJson = core::Json::parse(core::renderDaemonStatusJson(idle));
    CHECK(idleJson["kept"]["ldapSession"] == false);
    CHECK(idleJson["kept"]["smb"] == true);
    CHECK(idleJson["mode"] == "report-only");
    CHECK(idleJson["joined"] == false);
    CHECK(idleJson["notJoined"] == "no keytab");
    CHECK(idleJson["kernel"]["error"] == "no audit");
    CHECK(idleJson["syncInProgress"].is_null());
    CHECK(idleJson["lastError"].is_null());
    CHECK_FALSE(idleJson.contains("lastSync"));
    CHECK(idleJson["gpos"].empty());
    CHECK(core::renderDaemonStatusLine(idle) == "Idle, not joined to a domain: no keytab; 0 rules in force");
    idle.notJoined = "line\nbreak";
    CHECK(core::renderDaemonStatusLine(idle) == "Idle, not joined to a domain: line\\x0abreak; 0 rules in force");
    idle.notJoined.clear();
    CHECK(core::renderDaemonStatusLine(idle) == "Starting");
    idle.syncs = 1;
    idle.lastTime = "2026-12-02T01:10:00Z";
    CHECK(core::renderDaemonStatusLine(idle) ==
          "Last sync 2026-12-02T01:10:00Z ok: 0 rules in force; report-only; next sync in 30m");
}

TEST_CASE("times and durations: one format each")
{
    CHECK(core::utcText(0) == "1970-01-01T00:00:00Z");
    CHECK(core::utcText(1796175900) == "2026-12-02T01:45:00Z");
    CHECK(core::millisText(std::chrono::microseconds(1250)) == "1.2");
    CHECK(core::millisText(std::chrono::microseconds(1251), 3) == "1.251");
    CHECK(core::millisValue(std::chrono::microseconds(1251)) == 1.251);
    CHECK(core::durationText(std::chrono::seconds(5400)) == "90m");
    CHECK(core::durationText(std::chrono::seconds(57600)) == "16h");
    CHECK(core::durationText(std::chrono::seconds(86400)) == "1d");
    CHECK(core::durationText(std::chrono::seconds(45)) == "45s");
    CHECK(core::durationText(std::chrono::seconds(0)) == "0s");
    CHECK(core::spanText(std::chrono::seconds(45)) == "45s");
    CHECK(core::spanText(std::chrono::seconds(330)) == "5m 30s");
    CHECK(core::spanText(std::chrono::seconds(7500)) == "2h 5m");
}

TEST_CASE("one parser of a GPO's files: the cache names the file by its SYSVOL path, the folder by its own")
{
    const std::string bad = std::string(test::kHeader) + "HOST,System,Name,{nope},x,,1\r\n";
    const std::string good = std::string(test::kHeader) + test::row("process-creation", 1);
    std::vector<core::InputProblem> problems;
    host::GpoFiles cached;
    cached.gpo = {"31B2F340-016D-11D2-945F-00C04FB984F9", "Baseline"};
    cached.fetched = true;
    cached.auditCsv = {"{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/Microsoft/Windows NT/Audit/audit.csv", bad, {}};
    auto input = host::parseGpoFiles(test::data().catalog, cached, {}, problems);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].rejected);
    CHECK(problems[0].message.starts_with(
        "{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/Microsoft/Windows NT/Audit/audit.csv:2:"));
    CHECK(problems[0].message.ends_with(" (audit.csv ignored as a whole, MS-GPAC 3.2.5)"));
    CHECK_FALSE(input.auditCsv);
    // Fetched by a sync: a file absent although its extension would be read is said so.
    REQUIRE(input.files.size() == 2);
    CHECK(input.files[0].why.starts_with("rejected: does not conform to MS-GPAC 2.2"));
    CHECK(input.files[1].file == "GptTmpl.inf");
    CHECK(input.files[1].why == "absent: its extension is registered but the GPO has no such file");

    // The same bytes from the state directory's parse (parseCachedPolicy) and from a folder agree.
    problems.clear();
    host::GpoFiles folder;
    folder.gpo = cached.gpo;
    folder.auditCsv = {"/srv/gpo/audit.csv", good, {}};
    input = host::parseGpoFiles(test::data().catalog, folder, {}, problems);
    CHECK(problems.empty());
    REQUIRE(input.auditCsv);
    REQUIRE(input.files.size() == 1); // no list of extensions, no GptTmpl.inf: nothing said of it
    CHECK(input.files[0].used);
    const auto viaCache = host::parseCachedPolicy(
        test::data().catalog, {{cached.gpo, host::CachedGpo{good, std::nullopt, std::nullopt}, std::nullopt}}, {});
    REQUIRE(viaCache.inputs.size() == 1);
    CHECK(viaCache.problems.empty());
    REQUIRE(viaCache.inputs[0].auditCsv);
    CHECK(viaCache.inputs[0].auditCsv->system.size() == input.auditCsv->system.size());

    // Unreadable (over max_file_size, I/O): rejected, named.
    problems.clear();
    host::GpoFiles unreadable;
    unreadable.gpo = {"", "/tmp/x.csv"};
    unreadable.auditCsv.path = "/tmp/x.csv";
    unreadable.auditCsv.unreadable = gpaudit::Error{{"/tmp/x.csv", 0, 0}, "more than the limit"};
    input = host::parseGpoFiles(test::data().catalog, unreadable, {}, problems);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].message == "more than the limit");
    CHECK(input.files[0].why == "rejected: not readable");
}
