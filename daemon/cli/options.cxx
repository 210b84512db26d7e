// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/options.hxx"

#include "core/base/text.hxx"
#include "host/files/files.hxx"

#include <unistd.h>

namespace gpaudit::cli {

Result<core::Config> loadConfig(const ConfigOverrides &o)
{
    core::Config config;
    const std::string path = o.configPath.empty() ? core::kDefaultConfigPath : o.configPath;
    if (!o.configPath.empty() || ::access(path.c_str(), F_OK) == 0) {
        auto text = host::readFileBounded(path, 1 << 20);
        if (!text)
            return tl::unexpected(text.error());
        auto parsed = core::parseConfig(*text, path);
        if (!parsed)
            return tl::unexpected(parsed.error());
        config = std::move(*parsed);
    }
    if (!o.realm.empty())
        config.realm = core::toUpper(o.realm);
    if (!o.machine.empty()) {
        config.machine = core::toUpper(o.machine);
        if (config.machine.back() != '$')
            config.machine += '$';
    }
    for (auto [value, target] : {std::pair{&o.keytab, &config.keytab},
                                 {&o.server, &config.server},
                                 {&o.site, &config.site},
                                 {&o.stateDir, &config.stateDir},
                                 {&o.socket, &config.socket}})
        if (!value->empty())
            *target = *value;
    if (o.rulesFile)
        config.rulesFile = *o.rulesFile;
    return config;
}

OptionMatch takeConfigOption(const std::string &arg, const std::function<bool(std::string &)> &value,
                             ConfigOverrides &o, std::string &error)
{
    if (arg == "--no-rules-file") {
        o.rulesFile = std::string();
        return OptionMatch::Taken;
    }
    std::string *target = arg == "--config"      ? &o.configPath
                          : arg == "--realm"     ? &o.realm
                          : arg == "--machine"   ? &o.machine
                          : arg == "--keytab"    ? &o.keytab
                          : arg == "--server"    ? &o.server
                          : arg == "--site"      ? &o.site
                          : arg == "--state-dir" ? &o.stateDir
                          : arg == "--socket"    ? &o.socket
                                                 : nullptr;
    std::string rulesFile;
    if (arg == "--rules-file")
        target = &rulesFile;
    if (target == nullptr)
        return OptionMatch::NotOurs;
    if (!value(*target) || target->empty()) {
        error = arg + " needs a value";
        return OptionMatch::Error;
    }
    if (arg == "--rules-file")
        o.rulesFile = rulesFile;
    return OptionMatch::Taken;
}

} // namespace gpaudit::cli
