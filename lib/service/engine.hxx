// SPDX-License-Identifier: GPL-2.0-or-later
// One sync, as gpauditctl (in process) and gpauditd run it: fetch (service/domain_sync) -> merge -> translate ->
// apply (kernel/apply) -> record the last applied sync. Also the cheap drift check the daemon runs
// between syncs. A sync returns its report as a value (core/report/report.hxx) and tells its progress
// as structured events; it prints nothing and picks no exit status (daemon/ renders and decides).
#pragma once

#include "core/base/config.hxx"
#include "core/report/report.hxx"
#include "host/data/rules_data.hxx"
#include "host/files/unique_fd.hxx"
#include "host/state/view.hxx"
#include "service/domain_policy.hxx"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::domain {
class DomainSession; // domain/session.hxx: only service/fetch.hxx's fetchSync uses it
}

namespace gpaudit::service {

struct SyncRequest {
    bool force = false;   // fetch every GPO's files again
    bool dryRun = false;  // change neither the kernel nor state.yaml
    bool offline = false; // no domain: apply the last applied sync again from the state directory
    // gpauditd's sync worker: the LDAP and SMB sessions it keeps between syncs (domain/session.hxx);
    // null: none kept.
    domain::DomainSession *session = nullptr;
    // The program that reads SYSVOL files concurrently as fetch workers (domain/fetch_pool.hxx); empty:
    // every file read in process, one after another.
    std::vector<std::string> fetchWorker;
    // gpauditd: the state lock is held by its loop while its sync worker fetches (and writes only the
    // GPO cache) and a drift restore goes on without waiting for the fetch.
    bool lockHeld = false;
    std::string program = "gpauditctl"; // named in the rules file's header
};

// Called as the sync goes (on the caller's thread, in order); may be empty.
using SyncEvents = std::function<void(const core::SyncEvent &)>;

// One sync in two halves: the fetch (service/fetch.hxx fetchSync: the state lock, then the network:
// Kerberos, DNS, LDAP, SMB; or the last applied sync when offline), then completeSync (parse, merge,
// translate, apply to the kernel, record, the lock released at its end). gpauditctl runs both in
// process (fetch.hxx runSync). gpauditd takes the lock on its loop, has its sync worker process fetch
// (daemon/sync_worker.hxx: the network half never runs in the daemon, which does not even map
// libkrb5, libldap or libsmbclient) and runs completeSync on its loop, where the drift restore runs too.
struct PendingSync {
    // One sync at a time per state directory (gpauditd and a one-shot gpauditctl sync): an advisory
    // lock on STATE_DIR/lock, held until the sync ends. None: the caller holds it (SyncRequest::lockHeld).
    std::optional<host::UniqueFd> lock;
    std::chrono::steady_clock::time_point started;
    Result<host::SyncState> previous = fail("not read");
    std::size_t stage = 0; // the stages told so far (the next one's ordinal - 1)
    Result<DomainPolicy> policy = fail("not fetched");
};
struct PendingSyncDeleter {
    void operator()(PendingSync *pending) const;
};
using PendingSyncPtr = std::unique_ptr<PendingSync, PendingSyncDeleter>;

// The fetch's first part, without the network: the state lock (unless request.lockHeld; an error in
// `policy` when it cannot be taken), the previous sync, and, offline, the last
// applied sync's files as the policy. Online, `policy` is left for the fetch.
PendingSyncPtr beginSync(const core::Config &config, const SyncRequest &request, const SyncEvents &onEvent = {});

// completeSync's events are told on the caller's thread. It needs the policy data; the fetch does not.
core::SyncReport completeSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                              const host::ViewSettings &settings, PendingSyncPtr pending,
                              const SyncEvents &onEvent = {});

// A sync without the domain (request.offline must be set): the last applied sync applied again from the
// state directory. gpauditd's start and drift restore. = completeSync(beginSync()).
core::SyncReport runLocalSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                              const host::ViewSettings &settings, const SyncEvents &onEvent = {});

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
