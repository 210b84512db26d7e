// SPDX-License-Identifier: GPL-2.0-or-later
#include "service/fetch.hxx"

#include "domain/identity.hxx"
#include "service/domain_sync.hxx"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace gpaudit::service {

namespace {

std::string printable(std::string_view text)
{
    std::string out(text.substr(0, 400));
    for (auto &c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    return out;
}

} // namespace

PendingSyncPtr fetchSync(const core::Config &config, const SyncRequest &request, const SyncEvents &onEvent)
{
    auto pending = beginSync(config, request, onEvent);
    if (request.offline || (!pending->lock && !request.lockHeld))
        return pending; // offline: the last applied sync is the policy; no lock: the error is the policy
    SyncOptions syncOptions;
    syncOptions.config = config;
    syncOptions.force = request.force;
    syncOptions.session = request.session;
    syncOptions.fetchWorker = request.fetchWorker;
    syncOptions.progress = [&onEvent, stage = &pending->stage](const std::string &what) {
        ++*stage;
        if (onEvent)
            onEvent(core::SyncEvent::of(core::SyncEvent::Kind::Step, what, *stage));
    };
    pending->policy = fetchDomainPolicy(syncOptions);
    return pending;
}

core::SyncReport runSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                         const host::ViewSettings &settings, const SyncEvents &onEvent)
{
    PendingSyncPtr pending;                 // none: completeSync fails the sync
    if (request.dryRun || ::geteuid() == 0) // before the lock and the network
        pending = fetchSync(config, request, onEvent);
    return completeSync(data, config, request, settings, std::move(pending), onEvent);
}

std::string notJoinedReason(const core::Config &config)
{
    auto identity = domain::resolveIdentity(config);
    if (!identity)
        return printable(identity.error().message);
    struct stat st {};
    if (::stat(identity->keytab.c_str(), &st) != 0)
        return printable("no machine keytab at " + identity->keytab + " (" + std::strerror(errno) +
                         "); join with `realm join` or `net ads join`, or set \"keytab\" in gpauditd.conf");
    if (!S_ISREG(st.st_mode) || st.st_size == 0)
        return printable("the machine keytab " + identity->keytab + " is empty or not a file");
    return {};
}

} // namespace gpaudit::service
