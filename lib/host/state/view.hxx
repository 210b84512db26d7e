// SPDX-License-Identifier: GPL-2.0-or-later
// Loaded policy to resultant policy and rules, as gpauditctl and gpauditd both do it: the translation
// settings (the programs' choices over the configuration), the SID resolver, merge, translate and
// gpauditd.conf's guardrails. Returns values; the programs (daemon/) show them.
#pragma once

#include "core/base/config.hxx"
#include "core/linux/translate.hxx"
#include "host/data/rules_data.hxx"
#include "host/files/files.hxx"
#include "host/gpo/offline.hxx"
#include "host/idmap/idmap.hxx"
#include "host/state/state.hxx"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::host {

// The programs' choices; unset ones come from the configuration, then the defaults.
struct ViewSettings {
    std::string arch; // empty: this machine
    std::optional<std::uint32_t> uidMin;
    std::vector<std::string> saclDirs;
    std::optional<core::LegacyMode> legacy;
    std::string sidMap; // a "SID user UID" table instead of SSSD/winbind
    bool hostCheck = true;
};

struct Prepared {
    std::optional<SidMapResolver> sidMap;
    std::unique_ptr<IdmapResolver> idmap;
    LocalHostProbe probe;
    core::TranslateOptions translate;
    core::LegacyMode legacy = core::LegacyMode::Auto;
};

// `config` null: offline sources only (no idmap service is asked; only --sid-map resolves SIDs).
Result<void> prepareTranslation(const ViewSettings &settings, const core::Config *config, Prepared &prepared);

std::string machineArch();

// The resultant policy of the inputs and its rules, within the configuration's guardrails (none but
// the invariant that auditing cannot be turned off when `config` is null).
struct Translated {
    core::Resultant resultant;
    core::Translation translation;
    std::vector<std::string> guardrails; // what the guardrails changed
    std::string arch;                    // the rules' platform
};
Result<Translated> translatePolicy(const RulesData &data, const core::Config *config, const ViewSettings &settings,
                                   const std::vector<core::GpoInput> &inputs);

// A sync's fetched (or cached) GPO files to its policy in one pass: parsed into `loaded` as
// parseCachedPolicy does, `parsed` told (the engine reports the files' problems and begins its translate
// stage), then translated as translatePolicy does.
Result<Translated> translateFetched(const RulesData &data, const core::Config &config, const ViewSettings &settings,
                                    const std::vector<CachedInput> &files, LoadedPolicy &loaded,
                                    const std::function<void(const LoadedPolicy &)> &parsed = {});

} // namespace gpaudit::host
