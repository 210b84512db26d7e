// SPDX-License-Identifier: GPL-2.0-or-later
// The command-line options gpauditctl and gpauditd share: the configuration file and the options over
// its keys of the same names.
#pragma once

#include "core/base/config.hxx"

#include <functional>
#include <optional>
#include <string>

namespace gpaudit::cli {

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

// The configuration file (when given or present) with the overrides on top.
Result<core::Config> loadConfig(const ConfigOverrides &overrides);

// --config --realm --machine --keytab --server --site --state-dir --socket --rules-file FILE
// --no-rules-file. `value` takes the option's argument (false when there is none). Error: a missing or
// empty argument (`error` says which option).
enum class OptionMatch { NotOurs, Taken, Error };
OptionMatch takeConfigOption(const std::string &arg, const std::function<bool(std::string &)> &value,
                             ConfigOverrides &overrides, std::string &error);

} // namespace gpaudit::cli
