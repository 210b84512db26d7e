// SPDX-License-Identifier: GPL-2.0-or-later
// A translated policy made the kernel's, as `gpauditctl apply` and a sync both do it, in one pass down:
// readKernel (audit netlink opened, what the kernel and the rules file hold), core::planPolicyApply
// (pure: everything decided), execute (kernel/apply.hxx: the plan carried out, what was done as core's
// ApplySummary).
#pragma once

#include "kernel/apply.hxx"

#include <string>

namespace gpaudit::kernel {

// The kernel side of one apply: the audit netlink connection it reads and writes through, and what
// it read.
struct KernelSide {
    NetlinkKernel kernel;
    Held held;
};
Result<KernelSide> readKernel(const core::Mapping *mapping, const std::string &rulesFile);

// The three in one (gpauditctl apply).
Result<ApplyReport> applyPolicy(const core::Translation &translation, const ApplyOptions &options);

} // namespace gpaudit::kernel
