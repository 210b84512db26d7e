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
#include "domain/session.hxx"
#include "host/gpo/offline.hxx"
#include "host/state/state.hxx"
#include "service/domain_policy.hxx"

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

// Discovers and fetches. When the DC, the KDC or LDAP cannot be reached, falls back to the last applied
// sync's cached files (lastKnownGood); an error only when there is none either. libkrb5, libldap and
// libsmbclient are called on the calling thread (gpauditd: in its sync worker process), and options.session must
// be used by one thread at a time. libsmbclient reads the machine ticket from KRB5CCNAME, which the
// program sets once at start (domain/smb.hxx).
Result<DomainPolicy> fetchDomainPolicy(const SyncOptions &options);

} // namespace gpaudit::service
