// SPDX-License-Identifier: GPL-2.0-or-later
// One sync's fetch, the Group Policy client for audit policy: identity (domain/identity) -> machine
// ticket (domain/kerberos) -> DCs (domain/locator, dc_pin) -> a DC's proof and the LDAP discovery
// (domain/ldap; the answers read by core/gpclient/ldap_answers) -> GPO list (core::buildGpoList) ->
// SYSVOL fetch through the cache (domain/smb, host/state) -> parsed merge inputs. Applying them is
// engine.hxx's (completeSync), which then records the sync with host::writeSyncState.
#pragma once

#include "core/base/config.hxx"
#include "core/policy/catalog.hxx"
#include "domain/identity.hxx"
#include "domain/session.hxx"
#include "host/gpo/offline.hxx"
#include "host/state/state.hxx"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace gpaudit::service {

struct SyncOptions {
    core::Config config;
    bool force = false; // fetch every file again, ignoring the cache
    // gpauditd: the LDAP and SMB sessions kept between syncs (used, and kept for the next sync). Null:
    // every session is opened for this sync and closed at its end (gpauditctl).
    domain::DomainSession *session = nullptr;
    // The program and arguments that make a fetch worker (domain/fetch_pool.hxx; the programs pass
    // /proc/self/exe --smb-fetch-worker). Empty: every file is read in process.
    std::vector<std::string> fetchWorker;
    std::function<void(const std::string &)> progress; // one line per stage, may be empty
};

struct StageTime {
    std::string name;
    std::chrono::microseconds elapsed{0};
};

struct DomainPolicy {
    domain::Identity identity;
    std::string dc;
    std::string site;
    unsigned ssf = 0;
    host::SyncState state;          // ready to be written once applied (time, GPO list, applied versions)
    host::LoadedPolicy loaded;      // merge inputs, lowest precedence first, and file problems
    std::vector<std::string> notes; // fetch errors where the previous version was kept, etc.
    bool fetchErrors = false;       // a GPO could not be fetched (its previous version, if any, was used)
    std::size_t ldapSearches = 0;
    std::size_t ldapRoundTrips = 0;
    bool ldapSessionKept = false; // the LDAP session of the previous sync was used (gpauditd)
    // The DC's proof (domain/kerberos.hxx proveDomainController), made when an LDAP session is bound: the
    // address that answered the AS exchange (LDAP went to it), and the DCs passed over and why.
    std::string dcAddress;
    bool dcProved = false; // this sync made the proof (false: a kept session, proved when it was bound)
    std::size_t dcChecks = 0;
    std::vector<std::string> dcRefused; // "dc9.gpa.test: did not prove it is a domain controller: ..."
    bool newTicket = false;             // a TGT was obtained from the keytab (none cached, or under 10 minutes left)
    std::string ticketExpires;          // the machine TGT's end time (UTC)
    std::size_t smbFiles = 0;
    std::size_t smbBytes = 0;
    std::size_t fetchWorkers = 0;   // workers that read files (0: every file read in process)
    std::size_t cacheUnchanged = 0; // GPOs fetched again (--force) whose cached copy was the same: not rewritten
    std::size_t gposFetched = 0;
    std::size_t gposCached = 0;
    std::vector<StageTime> stages;
    // The domain could not be reached: `loaded` is the last-known-good (the last applied sync) and
    // `unreachable` says why.
    bool lastKnownGood = false;
    std::string unreachable;
};

// Discovers and fetches. When the DC, the KDC or LDAP cannot be reached, falls back to the last applied
// sync's cached files (lastKnownGood); an error only when there is none either. libkrb5, libldap and
// libsmbclient are called on the calling thread (gpauditd: its sync thread), and options.session must
// be used by one thread at a time. libsmbclient reads the machine ticket from KRB5CCNAME, which the
// program sets once at start (domain/smb.hxx).
Result<DomainPolicy> fetchDomainPolicy(const core::Catalog &catalog, const SyncOptions &options);

// The last applied sync, from the state directory alone (for show and for gpauditd's start).
Result<DomainPolicy> loadLastApplied(const core::Catalog &catalog, const std::string &stateDir,
                                     const core::PolicyLimits &limits = {});

} // namespace gpaudit::service
