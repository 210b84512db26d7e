// SPDX-License-Identifier: GPL-2.0-or-later
// Whether 4688 carries CommandLine: as on Windows, only when the policy enables "Include command line
// in process creation events" (Administrative Templates, Registry.pol:
// Software\Microsoft\Windows\CurrentVersion\Policies\System\Audit!ProcessCreationIncludeCmdLine_Enabled),
// merged with the same precedence as the audit settings (core::merge). Read from the policy in force
// (the last applied sync in the state directory) or from GPO folders given on the command line.
// Shared by gpauditctl search and the gpaudit-events plugin.
#pragma once

#include "core/policy/merge.hxx"
#include "host/data/rules_data.hxx"
#include "host/gpo/offline.hxx"
#include "host/state/state.hxx"

#include <string>
#include <vector>

namespace gpaudit::daemon {

struct CommandLinePolicy {
    bool include = false;
    std::string why; // "Enabled by GPO {GUID}", "not configured (no sync in /var/lib/gpauditd)", ...
};

inline CommandLinePolicy commandLinePolicyOf(const core::Resultant &resultant, const std::string &where)
{
    if (!resultant.includeCommandLine)
        return {false, "not configured in " + where};
    const auto &setting = *resultant.includeCommandLine;
    return {setting.enabled(), std::string(setting.enabled() ? "enabled" : "disabled") + " by " + setting.source.str() +
                                   " (" + where + ")"};
}

// The policy of the last applied sync (gpauditd, gpauditctl sync); not configured when there is none.
inline CommandLinePolicy commandLinePolicyFromState(const host::RulesData &data, const std::string &stateDir)
{
    auto last = host::loadLastApplied(data.catalog, stateDir);
    if (!last)
        return {false, "not configured (no applied sync in " + stateDir + ")"};
    const auto resultant = core::merge(data.catalog, last->loaded.inputs, core::LegacyMode::Auto);
    return commandLinePolicyOf(resultant, "the last sync");
}

// GPO folders, lowest precedence first (as `gpauditctl show --gpo`).
inline Result<CommandLinePolicy> commandLinePolicyFromGpos(const host::RulesData &data,
                                                           const std::vector<std::string> &folders)
{
    std::vector<host::PolicySource> sources;
    sources.reserve(folders.size());
    for (const auto &folder : folders)
        sources.push_back({host::PolicySource::Kind::GpoFolder, folder});
    auto loaded = host::loadPolicySources(data.catalog, sources);
    if (!loaded)
        return tl::unexpected(loaded.error());
    const auto resultant = core::merge(data.catalog, loaded->inputs, core::LegacyMode::Auto);
    return commandLinePolicyOf(resultant, "the GPOs given");
}

} // namespace gpaudit::daemon
