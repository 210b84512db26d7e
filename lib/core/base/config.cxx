// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/config.hxx"

#include "core/base/safe_text.hxx"
#include "core/base/text.hxx"
#include "core/base/yaml_util.hxx"

#include <algorithm>

namespace gpaudit::core {

const std::vector<std::string_view> &configKeys()
{
    static const std::vector<std::string_view> keys = {"realm",
                                                       "machine",
                                                       "keytab",
                                                       "server",
                                                       "dc_pin",
                                                       "site",
                                                       "state_dir",
                                                       "socket",
                                                       "rules_file",
                                                       "legacy",
                                                       "uid_min",
                                                       "sacl_dirs",
                                                       "idmap",
                                                       "refresh_interval",
                                                       "refresh_random_delay",
                                                       "full_reapply_interval",
                                                       "retry_min",
                                                       "retry_max",
                                                       "drift_check_interval",
                                                       "ldap_timeout",
                                                       "fetch_workers",
                                                       "max_file_size",
                                                       "max_per_user_sids",
                                                       "max_sacl_aces",
                                                       "max_rules",
                                                       "report_only",
                                                       "failure_mode_max",
                                                       "backlog_min",
                                                       "keep_record_types",
                                                       "samba_audit",
                                                       "samba_conf",
                                                       "samba_include_file",
                                                       "samba_add_include"};
    return keys;
}

bool parseDuration(std::string_view text, std::chrono::seconds &out)
{
    text = trim(text);
    if (text.empty())
        return false;
    std::uint32_t unit = 1;
    switch (text.back()) {
    case 's':
        unit = 1;
        text.remove_suffix(1);
        break;
    case 'm':
        unit = 60;
        text.remove_suffix(1);
        break;
    case 'h':
        unit = 3600;
        text.remove_suffix(1);
        break;
    case 'd':
        unit = 86400;
        text.remove_suffix(1);
        break;
    default:
        break;
    }
    std::uint32_t number = 0;
    if (!parseDecimal(text, number) || number > 366u * 86400u / unit)
        return false;
    out = std::chrono::seconds(static_cast<std::int64_t>(number) * unit);
    return true;
}

namespace {
Result<Config> parseConfigMap(const YAML::Node &root, std::string_view label);
} // namespace

Result<Config> parseConfig(std::string_view text, std::string_view label)
{
    auto loaded = loadYaml(text, label);
    if (!loaded)
        return tl::unexpected(loaded.error());
    const YAML::Node root = *loaded;
    Config config;
    if (root.IsNull())
        return config;
    if (!root.IsMap())
        return yamlError(root, label, "the configuration must be a map of keys (see gpauditd.conf(5))");
    try {
        return parseConfigMap(root, label);
    } catch (const YAML::Exception &e) {
        // A value of a shape the checks below did not expect (a tagged node, an alias...).
        return fail(e.msg, {std::string(label), static_cast<std::uint32_t>(e.mark.line + 1),
                            static_cast<std::uint32_t>(e.mark.column + 1)});
    }
}

namespace {

Result<Config> parseConfigMap(const YAML::Node &root, std::string_view label)
{
    Config config;
    const auto &keys = configKeys();
    for (const auto &item : root) {
        if (!item.first.IsScalar())
            return yamlError(item.first, label, "a key must be a name (see gpauditd.conf(5))");
        const auto key = item.first.as<std::string>();
        const YAML::Node value = item.second;
        if (std::find(keys.begin(), keys.end(), key) == keys.end())
            return yamlError(item.first, label, "unknown key \"" + key + "\" (see gpauditd.conf(5))");
        auto scalar = [&](std::string &target) -> Result<void> {
            if (!value.IsScalar() && !value.IsNull())
                return yamlError(value, label, "\"" + key + "\" takes a text value");
            target = value.IsNull() ? std::string() : value.as<std::string>();
            if (std::any_of(target.begin(), target.end(),
                            [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
                return yamlError(value, label, "\"" + key + "\" contains a control character");
            return {};
        };
        auto path = [&](std::string &target, bool mayBeEmpty) -> Result<void> {
            if (auto ok = scalar(target); !ok)
                return ok;
            if (target.empty() && mayBeEmpty)
                return {};
            if (target.empty() || target.front() != '/')
                return yamlError(value, label, "\"" + key + "\" must be an absolute path");
            return {};
        };
        auto duration = [&](std::chrono::seconds &target, std::chrono::seconds minimum) -> Result<void> {
            std::string textValue;
            if (auto ok = scalar(textValue); !ok)
                return ok;
            if (!parseDuration(textValue, target))
                return yamlError(value, label,
                                 "\"" + key + "\": \"" + textValue + "\" is not a duration (like 30s, 90m, 16h, 1d)");
            if (target < minimum)
                return yamlError(value, label,
                                 "\"" + key + "\" must be at least " + std::to_string(minimum.count()) + "s");
            return {};
        };
        // A limit: a number from 1 to its ceiling; max_file_size also takes a K or M suffix (KiB, MiB).
        auto limit = [&](const std::string &name, PolicyLimits &limits) -> Result<void> {
            std::string text;
            if (auto ok = scalar(text); !ok)
                return ok;
            std::string_view digits = trim(text);
            std::uint32_t unit = 1;
            if (name == "max_file_size" && !digits.empty() && (digits.back() == 'K' || digits.back() == 'M')) {
                unit = digits.back() == 'K' ? 1024 : 1024 * 1024;
                digits.remove_suffix(1);
            }
            const std::size_t ceiling = name == "max_file_size"       ? kMaxFileSizeCeiling
                                        : name == "max_per_user_sids" ? kMaxPerUserSidsCeiling
                                        : name == "max_sacl_aces"     ? kMaxSaclAcesCeiling
                                                                      : kMaxRulesCeiling;
            std::uint32_t number = 0;
            if (!parseDecimal(digits, number) || number == 0 ||
                static_cast<std::uint64_t>(number) * unit > static_cast<std::uint64_t>(ceiling))
                return yamlError(value, label,
                                 "\"" + name + "\" takes a number from 1 to " + std::to_string(ceiling) +
                                     (name == "max_file_size" ? " (bytes, or with K or M)" : "") + ", not \"" + text +
                                     "\"");
            const std::size_t parsed = static_cast<std::size_t>(number) * unit;
            if (name == "max_file_size")
                limits.maxFileSize = parsed;
            else if (name == "max_per_user_sids")
                limits.maxPerUserSids = parsed;
            else if (name == "max_sacl_aces")
                limits.maxSaclAces = parsed;
            else
                limits.maxRules = parsed;
            return {};
        };
        Result<void> ok;
        if (key == "realm") {
            ok = scalar(config.realm);
            config.realm = toUpper(config.realm);
            if (ok && config.realm.find_first_of(" /\\") != std::string::npos)
                ok = yamlError(value, label, "\"realm\" is a DNS-style name like EXAMPLE.COM");
        } else if (key == "machine") {
            ok = scalar(config.machine);
            config.machine = toUpper(config.machine);
            if (ok && !config.machine.empty() && config.machine.back() != '$')
                config.machine += '$';
            if (ok && (config.machine.size() > 16 || config.machine.find_first_of(" /\\@") != std::string::npos))
                ok = yamlError(value, label,
                               "\"machine\" is a computer account name like LINUX1$ (15 characters at most)");
        } else if (key == "keytab") {
            ok = path(config.keytab, false);
        } else if (key == "server") {
            ok = scalar(config.server);
            if (ok && config.server.find_first_of(" /\\:@") != std::string::npos)
                ok = yamlError(value, label, "\"server\" is a domain controller's host name like dc1.example.com");
        } else if (key == "dc_pin") {
            // A list, or host names separated by blanks: "dc_pin: dc1.example.com dc2.example.com".
            std::vector<std::string> names;
            if (value.IsSequence()) {
                for (std::size_t i = 0; ok && i < value.size(); ++i) {
                    if (!value[i].IsScalar())
                        ok = yamlError(value[i], label, "\"dc_pin\" takes domain controllers' host names");
                    else
                        names.push_back(value[i].as<std::string>());
                }
            } else if (std::string text; (ok = scalar(text))) {
                std::string word;
                for (char c : text + " ") {
                    if (c == ' ' || c == '\t' || c == ',') {
                        if (!word.empty())
                            names.push_back(std::move(word));
                        word.clear();
                    } else {
                        word.push_back(c);
                    }
                }
            }
            for (std::size_t i = 0; ok && i < names.size(); ++i) {
                const std::string &name = names[i];
                const bool hostName = !name.empty() && name.size() <= 253 && name.front() != '.' &&
                                      name.front() != '-' && std::all_of(name.begin(), name.end(), [](char c) {
                                          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                                 (c >= '0' && c <= '9') || c == '.' || c == '-';
                                      });
                if (!hostName)
                    ok = yamlError(value, label,
                                   "\"dc_pin\": entry " + std::to_string(i + 1) +
                                       " is not a host name like dc1.example.com (letters, digits, '.' and '-')");
                else if (config.dcPin.size() >= 64)
                    ok = yamlError(value, label, "\"dc_pin\" lists more than 64 domain controllers");
                else
                    config.dcPin.push_back(toLower(name));
            }
        } else if (key == "site") {
            ok = scalar(config.site);
        } else if (key == "state_dir") {
            ok = path(config.stateDir, false);
        } else if (key == "socket") {
            ok = path(config.socket, false);
        } else if (key == "rules_file") {
            ok = path(config.rulesFile, true);
        } else if (key == "legacy") {
            std::string mode;
            ok = scalar(mode);
            if (ok) {
                if (mode == "auto")
                    config.legacy = LegacyMode::Auto;
                else if (mode == "apply")
                    config.legacy = LegacyMode::Apply;
                else if (mode == "ignore")
                    config.legacy = LegacyMode::Ignore;
                else
                    ok = yamlError(value, label, "\"legacy\" takes auto, apply or ignore, not \"" + mode + "\"");
            }
        } else if (key == "uid_min") {
            std::string number;
            ok = scalar(number);
            if (ok && !parseDecimal(number, config.uidMin))
                ok = yamlError(value, label, "\"uid_min\" takes a number");
        } else if (key == "sacl_dirs") {
            if (!value.IsSequence())
                ok = yamlError(value, label, "\"sacl_dirs\" takes a list of absolute paths");
            for (std::size_t i = 0; ok && i < value.size(); ++i) {
                if (!value[i].IsScalar() || value[i].as<std::string>().empty() || value[i].as<std::string>()[0] != '/')
                    ok = yamlError(value[i], label, "\"sacl_dirs\" takes a list of absolute paths");
                else if (auto problem = rulePathProblem(value[i].as<std::string>()))
                    // Each becomes a -F dir= value of a rule: it must read back as itself (safe_text.hxx).
                    ok = yamlError(value[i], label,
                                   "\"sacl_dirs\" entry cannot be written to an audit rule: " + *problem);
                else
                    config.saclDirs.push_back(value[i].as<std::string>());
            }
        } else if (key == "idmap") {
            std::string mode;
            ok = scalar(mode);
            if (ok) {
                if (mode == "auto")
                    config.idmap = IdmapSource::Auto;
                else if (mode == "sssd")
                    config.idmap = IdmapSource::Sssd;
                else if (mode == "winbind")
                    config.idmap = IdmapSource::Winbind;
                else if (mode == "none")
                    config.idmap = IdmapSource::None;
                else
                    ok = yamlError(value, label, "\"idmap\" takes auto, sssd, winbind or none, not \"" + mode + "\"");
            }
        } else if (key == "refresh_interval") {
            ok = duration(config.refreshInterval, std::chrono::seconds(5));
        } else if (key == "refresh_random_delay") {
            ok = duration(config.refreshRandomDelay, std::chrono::seconds(0));
        } else if (key == "full_reapply_interval") {
            ok = duration(config.fullReapplyInterval, std::chrono::seconds(5));
        } else if (key == "retry_min") {
            ok = duration(config.retryMin, std::chrono::seconds(1));
        } else if (key == "retry_max") {
            ok = duration(config.retryMax, std::chrono::seconds(1));
        } else if (key == "drift_check_interval") {
            ok = duration(config.driftCheckInterval, std::chrono::seconds(1));
        } else if (key == "ldap_timeout") {
            ok = duration(config.ldapTimeout, std::chrono::seconds(1));
        } else if (key == "fetch_workers") {
            std::string number;
            ok = scalar(number);
            if (ok && (!parseDecimal(number, config.fetchWorkers) || config.fetchWorkers > kMaxFetchWorkers))
                ok = yamlError(value, label,
                               "\"fetch_workers\" takes a number from 0 to " + std::to_string(kMaxFetchWorkers));
        } else if (key == "max_file_size" || key == "max_per_user_sids" || key == "max_sacl_aces" ||
                   key == "max_rules") {
            ok = limit(key, config.limits);
        } else if (key == "samba_audit" || key == "samba_add_include") {
            // Issue 16. samba_audit: auto (apply when smb.conf says AD DC) or off.
            std::string flag;
            ok = scalar(flag);
            const bool audit = key == "samba_audit";
            if (ok && audit && flag != "auto" && flag != "off")
                ok = yamlError(value, label, "\"samba_audit\" takes auto or off");
            else if (ok && !audit && flag != "true" && flag != "false" && flag != "yes" && flag != "no")
                ok = yamlError(value, label, "\"samba_add_include\" takes true or false");
            (audit ? config.sambaAudit : config.sambaAddInclude) = flag == "auto" || flag == "true" || flag == "yes";
        } else if (key == "samba_conf" || key == "samba_include_file") {
            ok = path(key == "samba_conf" ? config.sambaConf : config.sambaIncludeFile, false);
        } else if (key == "report_only") {
            std::string flag;
            ok = scalar(flag);
            if (ok && flag != "true" && flag != "false" && flag != "yes" && flag != "no")
                ok = yamlError(value, label, "\"report_only\" takes true or false");
            config.guardrails.reportOnly = flag == "true" || flag == "yes";
        } else if (key == "failure_mode_max" || key == "backlog_min") {
            std::string number;
            std::uint32_t parsed = 0;
            const bool failure = key == "failure_mode_max";
            const std::uint32_t limit = failure ? kMaxFailureMode : kMaxBacklog;
            ok = scalar(number);
            if (ok && !number.empty() && (!parseDecimal(number, parsed) || parsed > limit))
                ok = yamlError(value, label,
                               "\"" + key + "\" takes a number from 0 to " + std::to_string(limit) + " or \"\" (none)");
            auto &target = failure ? config.guardrails.failureModeMax : config.guardrails.backlogMin;
            if (number.empty())
                target.reset(); // "" = no guardrail, as in the shipped gpauditd.conf
            else
                target = parsed;
        } else if (key == "keep_record_types") {
            if (!value.IsSequence() || value.size() > 256)
                ok = yamlError(value, label,
                               "\"keep_record_types\" takes a list of at most 256 record type names like USER_LOGIN");
            auto &types = config.guardrails.keepRecordTypes;
            for (std::size_t i = 0; ok && i < value.size(); ++i) {
                const auto name = value[i].IsScalar() ? toUpper(value[i].as<std::string>()) : std::string();
                if (!validRecordTypeName(name))
                    ok = yamlError(value[i], label,
                                   "\"keep_record_types\" takes record type names like USER_LOGIN or SYSCALL");
                else
                    types.push_back(name);
            }
            std::sort(types.begin(), types.end());
            types.erase(std::unique(types.begin(), types.end()), types.end());
        }
        if (!ok)
            return tl::unexpected(ok.error());
    }
    if (config.retryMax < config.retryMin)
        return yamlError(root, label, "\"retry_max\" is shorter than \"retry_min\"");
    return config;
}

} // namespace

} // namespace gpaudit::core
