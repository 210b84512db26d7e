// SPDX-License-Identifier: GPL-2.0-or-later
// What gpauditctl and gpauditd share to turn loaded policy into rules and reports: the translation
// settings (command line over configuration), the SID resolver, and show/rules of the last sync.
#pragma once

#include "core/base/config.hxx"
#include "core/linux/translate.hxx"
#include "host/data/rules_data.hxx"
#include "host/files/files.hxx"
#include "host/gpo/offline.hxx"
#include "host/idmap/idmap.hxx"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::host {

// Where a command's output goes: `out` is standard output text, `err` one message (no program prefix,
// no newline). gpauditctl writes to its own streams; gpauditd to the control client or its log.
struct Sink {
    std::function<void(std::string_view)> out;
    std::function<void(std::string_view)> err;
};

// The command line's domain options, over the configuration file's keys of the same names.
struct ConfigOverrides {
    std::string configPath; // empty: /etc/gpauditd.conf when it exists, else the defaults
    std::string realm, machine, keytab, server, site, stateDir, socket;
    std::optional<std::string> rulesFile; // set: "" = no rules file

    // Any of them but the socket (which says whom to ask, not what to compute).
    [[nodiscard]] bool anyButSocket() const
    {
        return !configPath.empty() || !realm.empty() || !machine.empty() || !keytab.empty() || !server.empty() ||
               !site.empty() || !stateDir.empty() || rulesFile.has_value();
    }
};
Result<core::Config> loadConfig(const ConfigOverrides &overrides);

// The options both programs take for ConfigOverrides: --config --realm --machine --keytab --server
// --site --state-dir --socket --rules-file FILE --no-rules-file. `value` takes the option's argument
// (false when there is none). Error: a missing or empty argument (`error` says which option).
enum class OptionMatch { NotOurs, Taken, Error };
OptionMatch takeConfigOption(const std::string &arg, const std::function<bool(std::string &)> &value,
                             ConfigOverrides &overrides, std::string &error);

// Command-line choices; unset ones come from the configuration, then the defaults.
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

std::vector<std::string> rulesHeader(std::string_view program, const std::string &arch,
                                     const std::vector<core::GpoInput> &inputs, const core::DomainSummary *domain);

// show / rules of the last applied sync, from the state directory. Returns the exit status (0, 1, 3).
int renderLastSync(std::string_view program, const RulesData &data, const core::Config &config,
                   const ViewSettings &settings, std::string_view command, bool json, const Sink &sink);

void reportProblems(const std::vector<core::InputProblem> &problems, const Sink &sink);

} // namespace gpaudit::host
