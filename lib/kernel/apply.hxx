// SPDX-License-Identifier: GPL-2.0-or-later
// Making a translation the kernel's audit state: a diff against the kernel's rules, rules.d
// persistence, and revert. Rules that are not ours are never touched.
#pragma once

#include "audit_netlink.hxx"
#include "core/translate.hxx"

#include <chrono>
#include <string>
#include <vector>

namespace gpaudit::kernel {

inline constexpr const char *kDefaultRulesFile = "/etc/audit/rules.d/30-gpaudit.rules";

struct ApplyOptions {
    bool dryRun = false;
    // The fast-path rule (fast_path.hxx): needs the mapping (perm classes, the hot syscalls) and the ABIs.
    const core::Mapping *mapping = nullptr;
    std::vector<core::Abi> abis;
    std::string rulesFile = kDefaultRulesFile; // empty: do not persist
    std::vector<std::string> headerComments;   // for the rules file
};

struct ApplyReport {
    std::vector<std::string> added;   // rules as text
    std::vector<std::string> removed; // rules as text (from the previous rules file when known)
    std::size_t unchanged = 0;
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

// Refuses (changing nothing) when the kernel is immutable. On a failure while adding, the rules
// added so far are deleted again, so the previous policy stays in force, and the error names the rule.
Result<ApplyReport> apply(AuditNetlink &netlink, const core::Translation &translation, const ApplyOptions &options);

struct RevertReport {
    std::vector<std::string> removed;
    std::size_t netlinkWrites = 0;
    bool rulesFileRemoved = false;
};

// Removes every rule keyed gpaudit-*, the record filters the rules file lists, and the rules file.
Result<RevertReport> revert(AuditNetlink &netlink, const std::string &rulesFile, bool dryRun);

} // namespace gpaudit::kernel
