// SPDX-License-Identifier: GPL-2.0-or-later
// Planning an apply as a diff between the rules the policy wants and the rules the kernel holds. Pure.
#pragma once

#include "result.hxx"
#include "translate.hxx"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

struct DesiredRule {
    std::string identity; // the kernel form's canonical identity
    bool prepend = false; // never rules go to the front of their list
};

struct CurrentRule {
    std::string identity;
    bool ours = false; // keyed gpaudit-*, or a record filter our last rules file lists
};

struct ApplyPlan {
    std::vector<std::size_t> add;     // indexes into desired, in the order to send them
    std::vector<std::size_t> keep;    // desired rules the kernel already holds
    std::vector<std::size_t> remove;  // indexes into current: ours, no longer wanted
    std::vector<std::size_t> foreign; // desired rules the kernel holds as someone else's: left alone
    [[nodiscard]] bool empty() const { return add.empty() && remove.empty(); }
};

// Adds come before removals, so at no moment is coverage less than the old or the new policy.
// Prepended rules are sent last-first, so they end up in the desired order at the front.
ApplyPlan planApply(std::span<const DesiredRule> desired, std::span<const CurrentRule> current);

// Parses one rule line in the syntax renderRulesFile writes (-a action,list -F ... -S ... -C ... -k ...).
Result<AuditRule> parseRuleLine(std::string_view line);

// The record-filter rules (user and exclude lists) of a rules file written by renderRulesFile: the
// kernel takes no key on them, so the file is how we know they are ours.
Result<std::vector<AuditRule>> recordFiltersOf(std::string_view rulesFile, std::string_view label);

} // namespace gpaudit::core
