// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/apply_policy.hxx"

namespace gpaudit::kernel {

Result<ApplyReport> applyPolicy(const core::Translation &translation, const PolicyApply &request)
{
    auto netlink = AuditNetlink::open();
    if (!netlink)
        return tl::unexpected(netlink.error());
    ApplyOptions options;
    options.mapping = request.mapping;
    if (request.mapping != nullptr)
        if (const auto *abis = request.mapping->platform(request.arch))
            options.abis = *abis;
    options.dryRun = request.dryRun;
    options.reportOnly = request.reportOnly;
    options.rulesFile = request.rulesFile;
    options.headerComments = request.headerComments;
    return apply(*netlink, translation, options);
}

core::ApplySummary summaryOf(const ApplyReport &report, const PolicyApply &request)
{
    core::ApplySummary summary;
    summary.mode = report.mode;
    summary.modeReason = report.modeReason;
    summary.dryRun = request.dryRun;
    summary.added = report.added;
    summary.removed = report.removed;
    summary.unchanged = report.unchanged;
    summary.foreign = report.foreign;
    summary.statusChanges = report.statusChanges;
    summary.netlinkWrites = report.netlinkWrites;
    summary.rulesFileWritten = report.rulesFileWritten;
    summary.rulesFile = request.rulesFile;
    summary.elapsed = report.elapsed;
    return summary;
}

} // namespace gpaudit::kernel
