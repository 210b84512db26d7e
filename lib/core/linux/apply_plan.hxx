// SPDX-License-Identifier: GPL-2.0-or-later
// Planning an apply as a diff between the rules the policy wants and the rules the kernel holds. Pure.
#pragma once

#include "core/base/result.hxx"
#include "core/linux/translate.hxx"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

struct DesiredRule {
    std::string identity; // the kernel form's canonical identity
    bool prepend = false; // never rules go to the front of their list
    int list = 0;         // the kernel's filter list (order matters only within one)
};

struct CurrentRule {
    std::string identity;
    bool ours = false; // keyed gpaudit-*, or a record filter our last rules file lists
    int list = 0;
};

struct ApplyPlan {
    std::vector<std::size_t> add;     // indexes into desired, in the order to send them (relocations included)
    std::vector<std::size_t> move;    // of those, desired rules the kernel holds out of order: deleted, sent again
    std::vector<std::size_t> keep;    // desired rules the kernel already holds
    std::vector<std::size_t> remove;  // indexes into current: ours, no longer wanted
    std::vector<std::size_t> foreign; // desired rules the kernel holds as someone else's: left alone
    [[nodiscard]] bool empty() const { return add.empty() && remove.empty(); }
};

// Adds come before removals, so at no moment is coverage less than the old or the new policy.
// Prepended rules are sent last-first, so they end up in the desired order at the front.
// Order: the kernel gives an exit-list record the key of the first rule that matches it, and the
// translation relies on that (a per-user copy must match before the rule it narrows; keys propagate to
// the rule that matches first). A new rule is appended to its list, so once a rule is added, every one
// of ours the kernel already holds that the policy puts after it, in the same list, is moved: deleted
// and sent again right away (`move`; one event matched only by that rule in the microseconds between is
// the cost, instead of records keyed wrongly until the next boot). Our rules the kernel holds out of the
// policy's order are moved the same way. Foreign rules are never touched.
ApplyPlan planApply(std::span<const DesiredRule> desired, std::span<const CurrentRule> current);

// The kernel's audit status as an apply sees it (auditctl -s). The kernel adapter fills it; tests use
// a double.
struct AuditStatus {
    std::uint32_t enabled = 1; // 0 off, 1 on, 2 immutable (-e 2: no rule or setting changes until reboot)
    std::uint32_t failure = 1;
    std::uint32_t backlogLimit = 0;
    std::uint32_t rateLimit = 0;
};

// What an apply does, decided before anything is written.
enum class ApplyMode {
    Apply,      // the kernel gets the policy (netlink), the rules file keeps it for the next boot
    Stage,      // immutable kernel: only the rules file; "staged, takes effect at the next boot"
    ReportOnly, // report_only in gpauditd.conf: computed and shown, nothing written
};
struct ApplyDecision {
    ApplyMode mode = ApplyMode::Apply;
    bool kernelWrites = true;               // netlink writes allowed (rules, status settings); false with --dry-run too
    bool rulesFileWrite = true;             // the rules file may be written; false with --dry-run too
    std::vector<StatusSetting> statusToSet; // the policy's settings that differ from the kernel's
    std::vector<std::string> statusChanges; // "-f 2 (was 1; CrashOnAuditFail=1 ...)"
    std::string reason;                     // for the output when not Apply
};

// Pure: the mode from the kernel's status and the request, and the status settings to write. On an
// immutable kernel every netlink write would fail (EPERM), and a partial policy is worse than the old
// one: nothing reaches the kernel, the rules file carries the policy to the next boot (augenrules
// loads it before the site's finalising -e 2).
// `kernelHoldsRules`: the diff against the kernel's rules is empty (an immutable kernel that loaded
// the staged file at boot already has the policy: nothing to stage, the policy is in force).
ApplyDecision decideApply(const AuditStatus &status, const std::vector<StatusSetting> &wanted, bool kernelHoldsRules,
                          bool reportOnly, bool dryRun);

// The words sync, apply and status print for a mode (stable: scripts and tests match them):
// "applied", "staged, takes effect at the next boot", "report-only".
std::string_view modeName(ApplyMode mode);
// The same as one word for JSON and the journal's GPAUDIT_MODE: applied, staged, report-only.
std::string_view modeKey(ApplyMode mode);

// Parses one rule line in the syntax renderRulesFile writes (-a action,list -F ... -S ... -C ... -k ...).
Result<AuditRule> parseRuleLine(std::string_view line);

// The record-filter rules (user and exclude lists) of a rules file written by renderRulesFile: the
// kernel takes no key on them, so the file is how we know they are ours.
Result<std::vector<AuditRule>> recordFiltersOf(std::string_view rulesFile, std::string_view label);

} // namespace gpaudit::core
