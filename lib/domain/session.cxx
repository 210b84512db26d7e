// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/session.hxx"

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

} // namespace gpaudit::domain
