// SPDX-License-Identifier: GPL-2.0-or-later
// The fast-path rule: `-a never,exit -F arch=A -S <hot syscalls>` at the front of the exit list, for
// the frequent syscalls that no loaded rule can match, so the kernel stops walking the list at once
// for them (each exit rule costs every syscall of every audited process, mapping.md facts 1 and 4).
#pragma once

#include "core/linux/fast_path.hxx"
#include "core/linux/mapping.hxx"
#include "core/linux/translate.hxx"
#include "kernel/audit_netlink.hxx"

#include <map>
#include <string>
#include <vector>

namespace gpaudit::kernel {

using core::kFastPathKey;

// One never rule per ABI, leaving out every syscall that the desired rules or any rule already in the
// kernel that is not gpaudit's can match (a watch matches the syscalls of its perm classes; a rule with
// no usable bound, none). Empty when nothing is left. Computed at every apply, against the kernel
// as it is then: this reads the kernel's rules (libaudit), core::fastPathRules decides.
// What the kernel's rules that are not gpaudit's can match on each of `abis`, keyed by its libaudit
// machine name (Abi::machine). A machine libaudit does not know is left out.
std::map<std::string, core::ForeignCoverage> foreignCoverage(const core::Mapping &mapping,
                                                             const std::vector<core::Abi> &abis,
                                                             const std::vector<KernelRule> &current);

std::vector<core::AuditRule> fastPathRules(const core::Mapping &mapping, const std::vector<core::Abi> &abis,
                                           const std::vector<core::AuditRule> &desired,
                                           const std::vector<KernelRule> &current);

} // namespace gpaudit::kernel
