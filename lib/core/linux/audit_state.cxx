// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/linux/audit_state.hxx"

#include "core/base/text.hxx"

namespace gpaudit::core {

std::vector<std::string> auditStateWarnings(const AuditState &state, std::size_t ourRules)
{
    std::vector<std::string> out;
    const std::string rules = std::to_string(ourRules) + (ourRules == 1 ? " rule" : " rules");
    if (state.enabled == 0) {
        out.push_back(ourRules > 0
                          ? "audit is disabled in the kernel (enabled 0): the policy's " + rules +
                                " are loaded but nothing is recorded (auditctl -e 1 turns it on; audit=0 on the "
                                "kernel command line or -e 0 in a rules file turns it off)"
                          : "audit is disabled in the kernel (enabled 0): nothing is recorded");
    } else if (state.pid == 0) {
        // kernel/audit.c: with no daemon registered, kauditd prints each record to the kernel log
        // (printk, rate-limited) and multicasts it to netlink readers; what the backlog cannot hold is lost.
        out.push_back("no audit daemon is registered: records go to the kernel log (printk, rate-limited; "
                      "journald stores them with the kernel's messages) and to netlink multicast readers "
                      "(journald's audit socket when systemd-journald-audit.socket is enabled), not to "
                      "/var/log/audit");
    }
    if (state.enabled == 2)
        out.push_back("the audit configuration is locked (enabled 2, immutable): no rule can be added or removed "
                      "until the next boot; policy changes cannot be applied before it");
    if (state.lost > 0)
        out.push_back(std::to_string(state.lost) + " audit records lost since boot (backlog limit " +
                      std::to_string(state.backlogLimit) + ", rate limit " +
                      (state.rateLimit ? std::to_string(state.rateLimit) + "/s" : std::string("none")) + ")");
    return out;
}

std::string renderAuditStateText(const AuditState &state, std::size_t ourRules)
{
    const char *enabled = state.enabled == 0   ? "audit disabled (0)"
                          : state.enabled == 1 ? "audit enabled (1)"
                          : state.enabled == 2 ? "audit enabled and locked (2, immutable)"
                                               : nullptr;
    std::string out =
        "  kernel:      " + (enabled ? std::string(enabled) : "audit enabled " + std::to_string(state.enabled)) + ", " +
        (state.pid ? "audit daemon pid " + std::to_string(state.pid) : std::string("no audit daemon")) + ", lost " +
        std::to_string(state.lost) + ", backlog " + std::to_string(state.backlog) + " of " +
        std::to_string(state.backlogLimit) + "\n";
    for (const auto &warning : auditStateWarnings(state, ourRules))
        out += "  WARNING: " + warning + "\n";
    return out;
}

Json auditStateJson(const AuditState &state, std::size_t ourRules)
{
    return {{"enabled", state.enabled},
            {"immutable", state.enabled == 2},
            {"auditDaemonPid", state.pid},
            {"auditDaemon", state.pid != 0},
            {"recording", state.enabled != 0},
            {"lost", state.lost},
            {"backlog", state.backlog},
            {"backlogLimit", state.backlogLimit},
            {"failure", state.failure},
            {"rateLimit", state.rateLimit},
            {"warnings", auditStateWarnings(state, ourRules)}};
}

} // namespace gpaudit::core
