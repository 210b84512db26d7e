// SPDX-License-Identifier: GPL-2.0-or-later
#include "service/domain_policy.hxx"

namespace gpaudit::service {

Result<DomainPolicy> loadLastApplied(const std::string &stateDir)
{
    auto last = host::readLastApplied(stateDir);
    if (!last)
        return tl::unexpected(last.error());
    DomainPolicy policy;
    policy.identity.realm = last->state.realm;
    policy.identity.machine = last->state.machine;
    policy.dc = last->state.dc;
    policy.site = last->state.site;
    policy.inputs = std::move(last->inputs);
    policy.state = std::move(last->state);
    return policy;
}

} // namespace gpaudit::service
