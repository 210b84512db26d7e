// SPDX-License-Identifier: GPL-2.0-or-later
// status's report of the kernel's audit state, from doubles of AUDIT_GET's answer: enabled 2 (immutable)
// can only be tested this way (setting it on the test machine locks it until reboot).
#include "core/linux/audit_state.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;

namespace {
bool anyContains(const std::vector<std::string> &lines, const std::string &part)
{
    for (const auto &l : lines)
        if (l.find(part) != std::string::npos)
            return true;
    return false;
}
} // namespace

TEST_CASE("audit state: on, with auditd, nothing lost: no warning")
{
    const AuditState state{1, 1, 812, 0, 8192, 0, 0};
    CHECK(auditStateWarnings(state, 40).empty());
    CHECK(renderAuditStateText(state, 40) ==
          "  kernel:      audit enabled (1), audit daemon pid 812, lost 0, backlog 0 of 8192\n");
    CHECK(dumpJson(auditStateJson(state, 40), -1) ==
          "{\"enabled\":1,\"immutable\":false,\"auditDaemonPid\":812,\"auditDaemon\":true,\"recording\":true,"
          "\"lost\":0,\"backlog\":0,\"backlogLimit\":8192,\"failure\":1,\"rateLimit\":0,\"warnings\":[]}");
}

TEST_CASE("audit state: disabled while our rules are loaded: nothing can be recorded")
{
    const AuditState state{0, 1, 812, 0, 8192, 0, 0};
    const auto warnings = auditStateWarnings(state, 40);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("audit is disabled in the kernel (enabled 0): the policy's 40 rules are loaded but "
                           "nothing is recorded") == 0);
    CHECK(renderAuditStateText(state, 40).find("  kernel:      audit disabled (0), audit daemon pid 812") == 0);
    CHECK(renderAuditStateText(state, 40).find("\n  WARNING: audit is disabled in the kernel") != std::string::npos);
    CHECK(auditStateJson(state, 40)["recording"] == false);
    CHECK(auditStateWarnings(state, 0) == std::vector<std::string>{"audit is disabled in the kernel (enabled 0): "
                                                                   "nothing is recorded"});
}

TEST_CASE("audit state: no audit daemon: where the records go")
{
    const AuditState state{1, 1, 0, 0, 64, 0, 3};
    const auto warnings = auditStateWarnings(state, 5);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("no audit daemon is registered: records go to the kernel log") == 0);
    CHECK(anyContains(warnings, "journald"));
    CHECK(renderAuditStateText(state, 5).find("no audit daemon, lost 0, backlog 3 of 64\n") != std::string::npos);
    CHECK(auditStateJson(state, 5)["auditDaemonPid"] == 0);
    CHECK(auditStateJson(state, 5)["auditDaemon"] == false);
}

TEST_CASE("audit state: immutable (enabled 2) and lost records")
{
    const AuditState state{2, 2, 812, 100, 8192, 17, 0};
    const auto warnings = auditStateWarnings(state, 40);
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0].find("the audit configuration is locked (enabled 2, immutable)") == 0);
    CHECK(warnings[1] == "17 audit records lost since boot (backlog limit 8192, rate limit 100/s)");
    CHECK(renderAuditStateText(state, 40).find("audit enabled and locked (2, immutable)") != std::string::npos);
    const auto json = auditStateJson(state, 40);
    CHECK(json["enabled"] == 2);
    CHECK(json["immutable"] == true);
    CHECK(json["lost"] == 17);
    CHECK(json["failure"] == 2);
    CHECK(json["warnings"].size() == 2);
}

TEST_CASE("audit state: disabled and no daemon: the disabled warning only (nothing reaches anyone)")
{
    const AuditState state{0, 1, 0, 0, 64, 0, 0};
    const auto warnings = auditStateWarnings(state, 3);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("audit is disabled") == 0);
}
