// SPDX-License-Identifier: GPL-2.0-or-later
// A translated policy made the kernel's, as `gpauditctl apply` and a sync both do it: audit netlink
// opened, the apply options of the mapping and platform, the report as core's ApplySummary.
#pragma once

#include "core/report/report.hxx"
#include "kernel/apply.hxx"

#include <string>
#include <vector>

namespace gpaudit::kernel {

struct PolicyApply {
    const core::Mapping *mapping = nullptr;
    std::string arch; // the rules' platform (its ABIs for the fast-path rule)
    bool dryRun = false;
    bool reportOnly = false;
    std::string rulesFile;                   // empty: do not persist
    std::vector<std::string> headerComments; // core/report/render.hxx rulesFileHeader()
};

// The report's identities are the rules the policy wants in force (drift checks).
Result<ApplyReport> applyPolicy(const core::Translation &translation, const PolicyApply &request);

core::ApplySummary summaryOf(const ApplyReport &report, const PolicyApply &request);

} // namespace gpaudit::kernel
