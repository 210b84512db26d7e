// SPDX-License-Identifier: GPL-2.0-or-later
// What one sync's fetch returns (service/domain_sync.hxx fetchDomainPolicy, run by gpauditctl in process
// and by gpauditd's sync worker process, which hands it back over service/sync_wire.hxx), and the last
// applied sync read back as the same value (loadLastApplied: no domain, no network). Types and local
// files only: gpauditd, which never maps libkrb5, libldap or libsmbclient, builds with this header.
#pragma once

#include "core/base/result.hxx"
#include "core/report/report.hxx"
#include "domain/identity.hxx"
#include "host/state/state.hxx"

#include <string>
#include <vector>

namespace gpaudit::service {

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

// The last applied sync and its cached files, from the state directory alone (gpauditd's start, drift
// restore: an offline sync).
Result<DomainPolicy> loadLastApplied(const std::string &stateDir);

} // namespace gpaudit::service
