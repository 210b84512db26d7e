// SPDX-License-Identifier: GPL-2.0-or-later
// One sync's fetch, the Group Policy client for audit policy: identity (domain/identity) -> machine
// ticket (domain/kerberos) -> DCs (domain/locator, dc_pin) -> a DC's proof and the LDAP discovery
// (domain/ldap; the answers read by core/gpclient/ldap_answers) -> GPO list (core::buildGpoList) ->
// SYSVOL fetch through the cache (domain/smb, host/state) -> the GPOs' files as fetched. Parsing,
// merging and applying them is engine.hxx's (completeSync), which then records the sync with
// host::writeSyncState. The fetch needs no policy data (catalog, mapping): what a sync's policy data
// touches goes down the layers once, from the engine (host/state/view.hxx translateFetched).
#pragma once

#include "core/base/config.hxx"
#include "core/report/report.hxx"
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

// What the fetch found, in the core's types (core/report/report.hxx): the engine records and reports
// them as they are.
struct DomainPolicy {
    domain::Identity identity;
    std::string dc; // this sync's DC and site (state's are the policy's: the last-known-good's)
    std::string site;
    core::SyncRecord state;                // ready to be written once applied (time, GPO list, applied versions)
    std::vector<host::CachedInput> inputs; // the GPOs' files as fetched (or cached), lowest precedence first
    std::vector<std::string> notes;        // fetch errors where the previous version was kept, etc.
    bool fetchErrors = false;              // a GPO could not be fetched (its previous version, if any, was used)
    core::SyncStats stats;                 // LDAP, Kerberos, the DC's proof, SMB, the fetch's stage times
    // The domain could not be reached: `inputs` is the last-known-good (the last applied sync) and
    // `unreachable` says why.
    bool lastKnownGood = false;
    std::string unreachable;

    bool operator==(const DomainPolicy &) const = default;
};

// Discovers and fetches. When the DC, the KDC or LDAP cannot be reached, falls back to the last applied
// sync's cached files (lastKnownGood); an error only when there is none either. libkrb5, libldap and
// libsmbclient are called on the calling thread (gpauditd: its sync thread), and options.session must
// be used by one thread at a time. libsmbclient reads the machine ticket from KRB5CCNAME, which the
// program sets once at start (domain/smb.hxx).
Result<DomainPolicy> fetchDomainPolicy(const SyncOptions &options);

// The last applied sync and its cached files, from the state directory alone (gpauditd's start, drift
// restore: an offline sync).
Result<DomainPolicy> loadLastApplied(const std::string &stateDir);

} // namespace gpaudit::service
