// SPDX-License-Identifier: GPL-2.0-or-later
// The fast-path rule: `-a never,exit -F arch=A -S <hot syscalls>` at the front of the exit list, for
// the frequent syscalls that no loaded rule can match, so the kernel stops walking the list at once
// for them (each exit rule costs every syscall of every audited process, mapping.md facts 1 and 4).
// The decision is pure; what the kernel's other rules match is the kernel adapter's to read
// (lib/kernel/fast_path: libaudit names the syscalls of their masks).
#pragma once

#include "core/linux/mapping.hxx"
#include "core/linux/translate.hxx"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace gpaudit::core {

inline constexpr const char *kFastPathKey = "fast-path";

// What the rules already in the kernel that are not gpaudit's can match on one ABI.
struct ForeignCoverage {
    std::set<std::string> syscalls;
    bool bounded = true; // false: a rule whose syscalls cannot all be named; no fast path on that ABI
};

// One never rule per ABI, leaving out every syscall that the desired rules (their syscalls and the
// syscalls of their perm classes) or the foreign rules of that ABI can match. An ABI missing from
// `foreign` (its machine unknown to the kernel adapter) or unbounded gets none; none either when
// nothing is left. Each rule's syscalls are sorted.
std::vector<AuditRule> fastPathRules(const Mapping &mapping, const std::vector<Abi> &abis,
                                     const std::vector<AuditRule> &desired,
                                     const std::map<std::string, ForeignCoverage> &foreign);

} // namespace gpaudit::core
