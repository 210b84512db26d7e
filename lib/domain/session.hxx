// SPDX-License-Identifier: GPL-2.0-or-later
// What a long-running client keeps between syncs (gpauditd owns one; gpauditctl's one-shot sync
// keeps nothing): the LDAP session bound with the machine ticket and the libsmbclient context with its
// SMB sessions, so a refresh makes no TCP connect and no GSSAPI bind. No process-wide statics: the
// owner decides its life, and uses it from one thread at a time (gpauditd's sync worker process).
#pragma once

#include "domain/fetch_pool.hxx"
#include "domain/ldap.hxx"
#include "domain/smb.hxx"

#include <cstdint>
#include <optional>
#include <string>

namespace gpaudit::domain {

class DomainSession {
  public:
    DomainSession() = default;
    DomainSession(const DomainSession &) = delete;
    DomainSession &operator=(const DomainSession &) = delete;

    // The kept LDAP session when it was bound for this principal with the ticket ending at
    // ticketExpiry (seconds since the epoch); else none, and any other kept session is closed (a new
    // ticket, renewed or of another identity, binds again).
    LdapSession *ldapFor(const std::string &principal, std::int64_t ticketExpiry);
    // Keeps a freshly bound session for the next sync.
    void keepLdap(LdapSession session, const std::string &principal, std::int64_t ticketExpiry);
    // Closes the kept session (the DC closed it idle, or it failed).
    void dropLdap();

    // The libsmbclient context SmbReader::create reuses.
    SmbReader::Kept &smb() { return smb_; }

    // The fetch workers kept between syncs (their SMB sessions with them): the kept pool when it was
    // started with these settings and still has a worker, grown to `workers` (at most
    // FetchPool::kMaxWorkers); else a new one (an error when none could be started).
    Result<FetchPool *> fetchPool(const FetchSettings &settings, std::size_t workers);
    // Gives back everything SMB holds once idle (gpauditd, between syncs): the fetch workers are
    // stopped, the kept context freed and libsmbclient closed (SmbReader::unloadLibrary). True when
    // anything was stopped or unloaded.
    bool releaseSmb();
    // Gives back everything kept once idle (gpauditd, between syncs): the LDAP session closed (its
    // libldap handle, SASL/GSSAPI security context and TLS state) and releaseSmb(). An Active Directory
    // DC drops an idle LDAP connection after MaxConnIdleTime (900 s by default), so beyond a burst of
    // syncs the kept session only costs memory: the next sync binds again (one connect and GSSAPI bind).
    // True when anything was closed, stopped or unloaded.
    bool release();

    // What is kept now (gpauditctl status): a bound LDAP session, an SMB context or fetch workers.
    // Only from the thread that uses the session, or while no sync runs.
    [[nodiscard]] bool ldapKept() const { return ldap_.has_value(); }
    [[nodiscard]] bool smbKept() const { return smb_.context != nullptr || pool_.has_value(); }

  private:
    std::optional<LdapSession> ldap_;
    std::string principal_;
    std::int64_t ticketExpiry_ = 0;
    SmbReader::Kept smb_;
    std::optional<FetchPool> pool_;
};

} // namespace gpaudit::domain
