// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel's audit state through libaudit (netlink): status, rule list, rule add/delete, status
// settings. The only place that includes libaudit.h.
#pragma once

#include "core/base/result.hxx"
#include "core/linux/audit_state.hxx"
#include "core/linux/translate.hxx"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct audit_rule_data;

namespace gpaudit::kernel {

struct RuleDataFree {
    void operator()(audit_rule_data *rule) const;
};
using RuleData = std::unique_ptr<audit_rule_data, RuleDataFree>;

struct KernelStatus {
    std::uint32_t enabled = 0; // 2 = immutable (-e 2)
    std::uint32_t failure = 0;
    std::uint32_t pid = 0; // the registered audit daemon, 0 = none
    std::uint32_t rateLimit = 0;
    std::uint32_t backlogLimit = 0;
    std::uint32_t lost = 0;
    std::uint32_t backlog = 0;
};

// The kernel's audit state for status (AUDIT_GET on a connection of its own).
Result<core::AuditState> readAuditState();

// A rule in the kernel's binary form, with a canonical identity: two rules are the same kernel rule
// exactly when their identities are equal (the kernel refuses to add a rule equal to one it holds).
struct KernelRule {
    RuleData data;
    std::string identity;
    std::vector<std::string> keys; // the key split at AUDIT_KEY_SEPARATOR
    int list = 0;                  // AUDIT_FILTER_EXIT, _USER, _EXCLUDE...
    int action = 0;                // AUDIT_ALWAYS / AUDIT_NEVER
    [[nodiscard]] bool keyedOurs() const;
};

// Builds the kernel form of a rule with libaudit's own helpers (the ones auditctl uses), for the
// ABIs of `machine` ("x86_64", "aarch64"): -F arch selects the syscall table of each rule.
Result<KernelRule> buildRule(const core::AuditRule &rule);

// One netlink connection. Move-only; closes on destruction.
class AuditNetlink {
  public:
    // Fails with a clear reason: not root (EPERM), no audit in this kernel (EPROTONOSUPPORT).
    static Result<AuditNetlink> open();
    AuditNetlink(AuditNetlink &&other) noexcept;
    AuditNetlink &operator=(AuditNetlink &&other) noexcept;
    AuditNetlink(const AuditNetlink &) = delete;
    AuditNetlink &operator=(const AuditNetlink &) = delete;
    ~AuditNetlink();

    Result<KernelStatus> status();
    Result<std::vector<KernelRule>> listRules();
    Result<void> addRule(const KernelRule &rule, bool prepend);
    Result<void> deleteRule(const KernelRule &rule);
    Result<void> setStatus(char flag, std::uint32_t value); // 'f' failure, 'b' backlog, 'r' rate
    Result<void> setEnabled(std::uint32_t enabled);         // 0 or 1 (never 2 here: irreversible)

    // Netlink requests that changed kernel state since open() (adds, deletes, status settings).
    [[nodiscard]] std::size_t writes() const { return writes_; }

  private:
    explicit AuditNetlink(int fd) : fd_(fd) {}
    int fd_ = -1;
    std::size_t writes_ = 0;
};

} // namespace gpaudit::kernel
