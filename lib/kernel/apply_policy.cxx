// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/apply_policy.hxx"

namespace gpaudit::kernel {

Result<KernelSide> readKernel(const core::Mapping *mapping, const std::string &rulesFile)
{
    auto netlink = AuditNetlink::open();
    if (!netlink)
        return tl::unexpected(netlink.error());
    KernelSide side{NetlinkKernel(std::move(*netlink)), {}};
    auto held = readHeld(side.kernel, mapping, rulesFile);
    if (!held)
        return tl::unexpected(held.error());
    side.held = std::move(*held);
    return side;
}

Result<ApplyReport> applyPolicy(const core::Translation &translation, const ApplyOptions &options)
{
    auto side = readKernel(options.mapping, options.rulesFile);
    if (!side)
        return tl::unexpected(side.error());
    auto plan = core::planPolicyApply(translation, side->held.snapshot, options, side->held.encoding.encoder());
    if (!plan)
        return tl::unexpected(plan.error());
    return execute(side->kernel, side->held, *plan);
}

} // namespace gpaudit::kernel
