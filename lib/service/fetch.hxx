// SPDX-License-Identifier: GPL-2.0-or-later
// The network half of a sync (engine.hxx says how a sync is cut in two): what gpauditctl runs in
// process, and gpauditd only in its sync worker process (daemon/sync_worker.hxx). This library
// (gpaudit-fetch) is the one that links libkrb5, libldap, GSSAPI and loads libsmbclient; gpauditd does
// not link it (tests/integration/daemon-libraries.sh checks the executable's needed libraries).
#pragma once

#include "core/base/config.hxx"
#include "service/engine.hxx"

#include <string>

namespace gpaudit::service {

// beginSync, then (online) the domain's policy: service/domain_sync.hxx fetchDomainPolicy with the
// request's kept session (gpauditd's worker) and fetch workers. fetchSync's events are told on the
// thread that fetches.
PendingSyncPtr fetchSync(const core::Config &config, const SyncRequest &request, const SyncEvents &onEvent = {});

// gpauditctl's sync: completeSync(fetchSync()). Not root and not a dry run: fails before the lock and
// the network.
core::SyncReport runSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                         const host::ViewSettings &settings, const SyncEvents &onEvent = {});

// Why this host is not joined to a domain, or empty: no realm (configuration, sssd.conf, smb.conf,
// krb5.conf through libkrb5) or no machine keytab. Reads only local files: cheap enough for every
// sync. Text from local files, bounded and with control characters replaced.
std::string notJoinedReason(const core::Config &config);

} // namespace gpaudit::service
