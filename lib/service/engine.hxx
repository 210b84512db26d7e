// SPDX-License-Identifier: GPL-2.0-or-later
// One sync, as gpauditctl (in process) and gpauditd run it: fetch (service/domain_sync) -> merge -> translate ->
// apply (kernel/apply) -> record the last applied sync. Also the cheap drift check the daemon runs
// between syncs. A sync returns its report as a value (core/report/report.hxx) and tells its progress
// as structured events; it prints nothing and picks no exit status (daemon/ renders and decides).
#pragma once

#include "core/base/config.hxx"
#include "core/report/report.hxx"
#include "domain/session.hxx"
#include "host/data/rules_data.hxx"
#include "host/state/view.hxx"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gpaudit::service {

struct SyncRequest {
    bool force = false;   // fetch every GPO's files again
    bool dryRun = false;  // change neither the kernel nor state.yaml
    bool offline = false; // no domain: apply the last applied sync again from the state directory
    // gpauditd: the LDAP and SMB sessions it keeps between syncs (domain/session.hxx); null: none kept.
    domain::DomainSession *session = nullptr;
    // The program that reads SYSVOL files concurrently as fetch workers (domain/fetch_pool.hxx); empty:
    // every file read in process, one after another.
    std::vector<std::string> fetchWorker;
    // gpauditd: the state lock is held by its sync thread, which fetches meanwhile and writes only the
    // GPO cache (a drift restore then goes on without waiting for the fetch).
    bool lockHeld = false;
    // gpauditd: told (on the thread that fetches) once the state lock is held, before the fetch.
    std::function<void()> locked;
    std::string program = "gpauditctl"; // named in the rules file's header
};

// Called as the sync goes (on the caller's thread, in order); may be empty.
using SyncEvents = std::function<void(const core::SyncEvent &)>;

core::SyncReport runSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                         const host::ViewSettings &settings, const SyncEvents &onEvent = {});

// runSync in two halves, as gpauditd runs it: fetchSync on its sync thread (the state lock, then the
// network: Kerberos, DNS, LDAP, SMB; or the last applied sync when offline), completeSync on its event
// loop (parse, merge, translate, apply to the kernel, record, the lock released at its end), so the apply is
// serialized with the drift restore, which runs on the loop too. runSync = completeSync(fetchSync()).
struct PendingSync; // the lock, the fetched policy, the previous sync, the start time
struct PendingSyncDeleter {
    void operator()(PendingSync *pending) const;
};
using PendingSyncPtr = std::unique_ptr<PendingSync, PendingSyncDeleter>;
// fetchSync's events are told on the thread that fetches, completeSync's on the caller's.
// fetchSync needs no policy data: it fetches the GPOs' files; completeSync parses them.
PendingSyncPtr fetchSync(const core::Config &config, const SyncRequest &request, const SyncEvents &onEvent = {});
core::SyncReport completeSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                              const host::ViewSettings &settings, PendingSyncPtr pending,
                              const SyncEvents &onEvent = {});

// The rules a sync put in force that the kernel no longer holds. Empty when none is missing (or the
// kernel cannot be read, which `error` says). `immutable`: restoring is impossible until reboot.
struct Drift {
    std::vector<std::string> missing;
    std::size_t present = 0;
    std::string error;
    bool immutable = false; // -e 2: nothing can be restored until reboot
};
Drift checkDrift(const std::vector<std::string> &inForce);

} // namespace gpaudit::service
