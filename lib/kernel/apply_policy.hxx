// SPDX-License-Identifier: GPL-2.0-or-later
// A translated policy made the kernel's, as `gpauditctl apply` and a sync both do it: audit netlink
// opened, the apply options of the mapping and platform, the rules file's header, and what was done
// as core's ApplySummary.
#pragma once

#include "core/report/report.hxx"
#include "kernel/apply.hxx"

#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::kernel {

struct PolicyApply {
    const core::Mapping *mapping = nullptr;
    std::string arch; // the rules' platform (its ABIs for the fast-path rule)
    bool dryRun = false;
    bool reportOnly = false;
    std::string rulesFile; // empty: do not persist
    // For the rules file's header (core/report/render.hxx rulesFileHeader): who wrote it, from what.
    std::string_view program;
    std::string_view version;
    const std::vector<core::GpoInput> *inputs = nullptr;
    const core::SyncRecord *domain = nullptr; // a policy from the domain
};

struct AppliedPolicy {
    core::ApplySummary summary;
    std::vector<std::string> identities; // of every rule the policy wants in the kernel (drift checks)
};

AppliedPolicy appliedPolicy(ApplyReport report, const PolicyApply &request);

Result<AppliedPolicy> applyPolicy(const core::Translation &translation, const PolicyApply &request);

} // namespace gpaudit::kernel
