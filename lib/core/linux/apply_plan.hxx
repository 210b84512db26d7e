// SPDX-License-Identifier: GPL-2.0-or-later
// Planning an apply as a diff between the rules the policy wants and the rules the kernel holds. Pure.
// One apply goes down once: the kernel adapter reads what the kernel and the rules file hold
// (kernel::readHeld -> KernelSnapshot), planPolicyApply decides everything (PolicyPlan), the adapter
// carries the plan out (kernel::execute).
#pragma once

#include "core/base/result.hxx"
#include "core/linux/fast_path.hxx"
#include "core/linux/mapping.hxx"
#include "core/linux/translate.hxx"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
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

// What the kernel and the host hold when an apply begins, read once by the kernel adapter
// (kernel::readHeld) before anything is planned.
struct HeldRule {
    std::string identity;          // as DesiredRule::identity
    bool keyedOurs = false;        // keyed gpaudit-*
    int list = 0;                  // the kernel's filter list
    std::vector<std::string> keys; // its key, split (for a rule the rules file does not name)
};
struct KernelSnapshot {
    AuditStatus status;
    std::vector<HeldRule> rules; // in the kernel's order
    // What the rules that are not gpaudit's can match, per libaudit machine name (Abi::machine): the
    // fast-path rule leaves those syscalls out. A machine missing: no fast-path rule for its ABI.
    std::map<std::string, ForeignCoverage> foreign;
    std::optional<std::string> rulesFile; // the previous rules file's text; none: there is none (first apply)
};

// A rule as the kernel would hold it: the canonical text of its kernel form (two rules are the same
// kernel rule exactly when their identities are equal) and the kernel's filter list.
struct EncodedRule {
    std::string identity;
    int list = 0;
};
// libaudit's encoding decides it (kernel::encodeRule, the one auditctl uses): a function of the rule
// alone that asks no kernel and touches no file.
using RuleEncoder = std::function<Result<EncodedRule>(const AuditRule &)>;

// What a previous apply left, as its rules file tells: the text of each of its rules (by identity, for
// messages), and the keyless record filters that are ours (the file is the only record of them).
struct PreviousRules {
    std::map<std::string, std::string> textByIdentity;
    std::set<std::string> ownedFilters;
};
// Lines that do not parse are skipped (they only help with messages); a record filter that cannot be
// read or identified is an error naming `label` (the rules file).
Result<PreviousRules> previousRules(std::string_view rulesFile, std::string_view label, const RuleEncoder &encode);

// How a rule the kernel holds is named in a report: its line in the previous rules file, else its key.
std::string describeHeldRule(const HeldRule &rule, const PreviousRules &previous);

struct PolicyApplyOptions {
    bool dryRun = false;
    bool reportOnly = false; // gpauditd.conf report_only: compute and report, write nothing
    // The fast-path rule (fast_path.hxx) needs the mapping (perm classes, the hot syscalls) and the
    // platform's ABIs (Mapping::platform(arch)). No mapping: no fast-path rule.
    const Mapping *mapping = nullptr;
    std::string arch;
    std::string rulesFile;                   // empty: do not persist
    std::vector<std::string> headerComments; // for the rules file (core/report rulesFileHeader)
};

// Everything one apply does, decided before the first write.
struct PolicyPlan {
    ApplyDecision decision;
    std::vector<AuditRule> rules;     // every rule the policy wants in the kernel: the fast-path rule first
    std::vector<DesiredRule> desired; // their identities, index for index
    std::vector<std::string> texts;   // and their text (messages), index for index
    ApplyPlan diff;                   // `desired` against KernelSnapshot::rules
    std::vector<std::string> added;   // rules to add (moves left out), as text
    std::vector<std::string> removed; // each of diff.remove, named (describeHeldRule)
    std::vector<std::string> foreign; // wanted rules held by someone else, left alone
    std::string rulesFile;            // its path; empty: not persisted
    std::string rulesFileContent;
    bool rulesFileCurrent = false; // the rules file holds this content already
    bool rulesFileDue = false;     // to be written (a dry run: would be)
    bool dryRun = false;
};

// Pure: the whole apply from the translation and the snapshot. Errors: a rule libaudit cannot encode,
// an unreadable record filter in the previous rules file, an immutable kernel with no rules file to stage
// in, a rules file that would break the guardrails' invariants (rulesFileViolations). Nothing was
// written when it fails.
Result<PolicyPlan> planPolicyApply(const Translation &translation, const KernelSnapshot &held,
                                   const PolicyApplyOptions &options, const RuleEncoder &encode);

} // namespace gpaudit::core
