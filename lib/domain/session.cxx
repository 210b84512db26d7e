// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/session.hxx"

#include <algorithm>

namespace gpaudit::domain {

LdapSession *DomainSession::ldapFor(const std::string &principal, std::int64_t ticketExpiry)
{
    if (principal_ != principal || ticketExpiry_ != ticketExpiry)
        ldap_.reset();
    return ldap_ ? &*ldap_ : nullptr;
}

void DomainSession::keepLdap(LdapSession session, const std::string &principal, std::int64_t ticketExpiry)
{
    ldap_ = std::move(session);
    principal_ = principal;
    ticketExpiry_ = ticketExpiry;
}

void DomainSession::dropLdap()
{
    ldap_.reset();
}

Result<FetchPool *> DomainSession::fetchPool(const FetchSettings &settings, std::size_t workers)
{
    workers = std::min(workers, FetchPool::kMaxWorkers);
    if (pool_ && (pool_->settings() != settings || pool_->size() == 0))
        pool_.reset();
    if (pool_ && pool_->size() < workers) {
        if (auto more = FetchPool::start(settings, workers - pool_->size()); more)
            pool_->adopt(std::move(*more));
    }
    if (!pool_) {
        auto started = FetchPool::start(settings, workers);
        if (!started)
            return tl::unexpected(started.error());
        pool_ = std::move(*started);
    }
    return &*pool_;
}

bool DomainSession::releaseSmb()
{
    const bool workers = pool_.has_value();
    pool_.reset();
    return SmbReader::unloadLibrary(&smb_) || workers;
}

bool DomainSession::release()
{
    const bool ldap = ldap_.has_value();
    ldap_.reset();
    principal_.clear();
    ticketExpiry_ = 0;
    return releaseSmb() || ldap;
}

} // namespace gpaudit::domain
