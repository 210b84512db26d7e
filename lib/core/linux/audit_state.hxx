// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel's audit state as `status` reports it (enabled, the registered audit daemon, lost, backlog)
// and the warnings it deserves. Pure: the numbers come from lib/kernel (AUDIT_GET through libaudit) or a
// test's double; nothing here reads the kernel.
#pragma once

#include "core/base/json.hxx"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gpaudit::core {

struct AuditState {
    std::uint32_t enabled = 0; // 0 off, 1 on, 2 on and locked (immutable until reboot)
    std::uint32_t failure = 0; // 0 silent, 1 printk, 2 panic
    std::uint32_t pid = 0;     // the registered audit daemon (auditd), 0 = none
    std::uint32_t rateLimit = 0;
    std::uint32_t backlogLimit = 0;
    std::uint32_t lost = 0; // records dropped since boot
    std::uint32_t backlog = 0;
};

// What cannot be recorded, or where records go, given the state and how many of our rules the kernel
// holds. Empty when records are produced and reach an audit daemon.
std::vector<std::string> auditStateWarnings(const AuditState &state, std::size_t ourRules);

// "  kernel:      audit enabled (1), audit daemon pid 812, lost 0, backlog 0 of 8192\n" and a line per
// warning ("  WARNING: ...").
std::string renderAuditStateText(const AuditState &state, std::size_t ourRules);

// {"enabled": 1, "immutable": false, "auditDaemonPid": 812, "auditDaemon": true, "recording": true,
//  "lost": 0, "backlog": 0, "backlogLimit": 8192, "failure": 1, "rateLimit": 0, "warnings": [...]}
Json auditStateJson(const AuditState &state, std::size_t ourRules);

} // namespace gpaudit::core
