// SPDX-License-Identifier: GPL-2.0-or-later
// What gpaudit keeps in its state directory (default /var/lib/gpauditd):
//   gpo/{GUID}/{version}/   the GPO's audit.csv / GptTmpl.inf / Registry.pol as fetched, and a "manifest" written last
//   discovery.yaml          what LDAP said that rarely changes (computer DN, SID, groups, site)
//   state.yaml              the last applied sync: the GPOs considered and the ones applied, with the
//                           versions whose cached files made the policy: the last-known-good
// Every file is replaced atomically; a GUID is only used in a path in its canonical form.
#pragma once

#include "core/gpclient/gpo_list.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"
#include "core/report/report.hxx"
#include "host/gpo/offline.hxx"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::host {

// The record of a sync is core's (core/report/report.hxx): state.yaml is its file. (The host names
// stay for lib/domain.)
using GpoRecord = core::GpoRecord;
using SyncState = core::SyncRecord;

Result<SyncState> readSyncState(const std::string &stateDir);
Result<void> writeSyncState(const std::string &stateDir, const SyncState &state);

// The files of one GPO version; nullopt content = the GPO has no such file.
struct CachedGpo {
    std::optional<std::string> auditCsv;
    std::optional<std::string> gptTmplInf;
    std::optional<std::string> registryPol; // Machine/Registry.pol (MS-GPREG)
    bool operator==(const CachedGpo &) const = default;
};
// nullopt when this version was never fetched completely.
std::optional<CachedGpo> readCachedGpo(const std::string &stateDir, const std::string &guid, std::uint32_t version);
Result<void> writeCachedGpo(const std::string &stateDir, const std::string &guid, std::uint32_t version,
                            const CachedGpo &files);
// Removes cached versions that no GPO in `keep` (guid, version) uses.
void pruneCache(const std::string &stateDir, const std::vector<SyncState::Applied> &keep);

// Parses cached GPO files into merge inputs (lowest precedence first), with parseGpoFiles() as the
// offline sources are: a file that does not parse is left out of its GPO and reported (MS-GPAC 3.2.5).
struct CachedInput {
    core::GpoRef gpo;
    CachedGpo files;
    // The GPO's registered computer extensions (gPCMachineExtensionNames); a file whose extension is
    // not registered is not used (MS-GPOL 3.2.5.1.10), whatever the cache holds.
    std::optional<core::ExtensionList> extensions;
    bool operator==(const CachedInput &) const = default;
};
LoadedPolicy parseCachedPolicy(const core::Catalog &catalog, const std::vector<CachedInput> &inputs,
                               const core::PolicyLimits &limits = {});

// The last applied sync and its cached files as they were fetched, from the state directory alone (a
// sync's last-known-good, parsed by the engine as fetched files are). An error when there was no sync or
// a cached file it needs is gone.
struct LastAppliedFiles {
    SyncState state;
    std::vector<CachedInput> inputs; // lowest precedence first
};
Result<LastAppliedFiles> readLastApplied(const std::string &stateDir);

// The same, parsed (show, rules, the event policy): readLastApplied, then parseCachedPolicy.
struct LastApplied {
    SyncState state;
    LoadedPolicy loaded;
};
Result<LastApplied> loadLastApplied(const core::Catalog &catalog, const std::string &stateDir,
                                    const core::PolicyLimits &limits = {});

struct DiscoveryCache {
    std::string realm;
    std::string machine;
    std::string computerDn;
    std::string computerSid;
    std::vector<std::string> tokenGroups;
    std::int64_t tokenTicketExpiry = 0; // the machine TGT's end time when tokenGroups was read
    std::string site;
    std::string forestDn;
};
std::optional<DiscoveryCache> readDiscoveryCache(const std::string &stateDir);
Result<void> writeDiscoveryCache(const std::string &stateDir, const DiscoveryCache &cache);

// mkdir -p with the given mode for the directories it creates.
Result<void> makeDirectories(const std::string &path, unsigned mode);

} // namespace gpaudit::host
