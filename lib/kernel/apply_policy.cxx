// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/apply_policy.hxx"

#include "core/report/render.hxx"

namespace gpaudit::kernel {

AppliedPolicy appliedPolicy(ApplyReport report, const PolicyApply &request)
{
    AppliedPolicy out;
    auto &summary = out.summary;
    summary.mode = report.mode;
    summary.modeReason = std::move(report.modeReason);
    summary.dryRun = request.dryRun;
    summary.added = std::move(report.added);
    summary.removed = std::move(report.removed);
    summary.unchanged = report.unchanged;
    summary.moved = report.moved;
    summary.foreign = std::move(report.foreign);
    summary.statusChanges = std::move(report.statusChanges);
    summary.netlinkWrites = report.netlinkWrites;
    summary.rulesFileWritten = report.rulesFileWritten;
    summary.rulesFile = request.rulesFile;
    summary.elapsed = report.elapsed;
    out.identities = std::move(report.identities);
    return out;
}

Result<AppliedPolicy> applyPolicy(const core::Translation &translation, const PolicyApply &request)
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
    static const std::vector<core::GpoInput> none;
    options.headerComments = core::rulesFileHeader(request.program, request.version, request.arch,
                                                   request.inputs != nullptr ? *request.inputs : none, request.domain);
    auto report = apply(*netlink, translation, options);
    if (!report)
        return tl::unexpected(report.error());
    return appliedPolicy(std::move(*report), request);
}

} // namespace gpaudit::kernel
