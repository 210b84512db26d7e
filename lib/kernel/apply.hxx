// SPDX-License-Identifier: GPL-2.0-or-later
// Making a translation the kernel's audit state: a diff against the kernel's rules, rules.d
// persistence, and revert. Rules that are not ours are never touched.
#pragma once

#include "core/linux/apply_plan.hxx"
#include "core/linux/translate.hxx"
#include "kernel/audit_netlink.hxx"

#include <chrono>
#include <string>
#include <vector>

namespace gpaudit::kernel {

inline constexpr const char *kDefaultRulesFile = "/etc/audit/rules.d/30-gpaudit.rules";

// What apply and revert need of the kernel: AuditNetlink in production (the overloads below wrap it),
// a double in tests (tests/unit/test_kernel_apply.cxx: an immutable kernel without locking the real one).
class KernelAudit {
  public:
    virtual ~KernelAudit() = default;
    virtual Result<KernelStatus> status() = 0;
    virtual Result<std::vector<KernelRule>> listRules() = 0;
    virtual Result<void> addRule(const KernelRule &rule, bool prepend) = 0;
    virtual Result<void> deleteRule(const KernelRule &rule) = 0;
    virtual Result<void> setStatus(char flag, std::uint32_t value) = 0;
    [[nodiscard]] virtual std::size_t writes() const = 0; // requests that changed kernel state
};

struct ApplyOptions {
    bool dryRun = false;
    bool reportOnly = false; // gpauditd.conf report_only: compute and report, write nothing
    // The fast-path rule (fast_path.hxx): needs the mapping (perm classes, the hot syscalls) and the ABIs.
    const core::Mapping *mapping = nullptr;
    std::vector<core::Abi> abis;
    std::string rulesFile = kDefaultRulesFile; // empty: do not persist
    std::vector<std::string> headerComments;   // for the rules file
};

struct ApplyReport {
    // Apply: the kernel has the policy. Stage (immutable kernel): only the rules file was written, the
    // lists below say what the next boot changes against the kernel's rules now. ReportOnly: nothing.
    core::ApplyMode mode = core::ApplyMode::Apply;
    std::string modeReason;
    std::vector<std::string> added;   // rules as text
    std::vector<std::string> removed; // rules as text (from the previous rules file when known)
    std::size_t unchanged = 0;
    std::size_t moved = 0;                  // held out of the policy's order: deleted and sent again (core::planApply)
    std::vector<std::string> foreign;       // wanted rules held by someone else, left alone
    std::vector<std::string> statusChanges; // "-f 2 (was 1)"
    std::size_t netlinkWrites = 0;
    bool rulesFileWritten = false;
    std::vector<std::string> identities; // of every rule the policy wants in the kernel (drift checks)
    std::chrono::microseconds elapsed{0};
};

// The rules an apply makes the kernel's: the translation's, plus the fast-path rule computed against
// the kernel's current rules.
std::vector<core::AuditRule> plannedRules(const core::Translation &translation, const ApplyOptions &options,
                                          const std::vector<KernelRule> &current);

// On an immutable kernel (-e 2) the policy is staged: the rules file is written (atomically) and
// nothing is sent to the kernel (core::decideApply). On a failure while adding, the rules
// added so far are deleted again, so the previous policy stays in force, and the error names the rule.
Result<ApplyReport> apply(KernelAudit &kernel, const core::Translation &translation, const ApplyOptions &options);
Result<ApplyReport> apply(AuditNetlink &netlink, const core::Translation &translation, const ApplyOptions &options);

struct RevertReport {
    std::vector<std::string> removed;
    std::size_t netlinkWrites = 0;
    bool rulesFileRemoved = false;
    bool staged = false; // immutable kernel: only the rules file was removed; the rules go at the next boot
};

// Removes every rule keyed gpaudit-*, the record filters the rules file lists, and the rules file.
// On an immutable kernel only the rules file (staged: the rules are gone from the next boot on).
Result<RevertReport> revert(KernelAudit &kernel, const std::string &rulesFile, bool dryRun);
Result<RevertReport> revert(AuditNetlink &netlink, const std::string &rulesFile, bool dryRun);

} // namespace gpaudit::kernel
