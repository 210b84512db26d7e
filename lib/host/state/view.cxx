// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/state/view.hxx"

#include "core/linux/guardrails.hxx"
#include "core/policy/merge.hxx"

#include <sys/utsname.h>

namespace gpaudit::host {

std::string machineArch()
{
    struct utsname name {};
    if (::uname(&name) != 0)
        return "x86_64";
    return name.machine;
}

Result<void> prepareTranslation(const ViewSettings &settings, const core::Config *config, Prepared &prepared)
{
    auto &t = prepared.translate;
    if (!settings.sidMap.empty()) {
        auto parsed = SidMapResolver::fromFile(settings.sidMap);
        if (!parsed)
            return fail("--sid-map: " + parsed.error().str());
        prepared.sidMap = std::move(*parsed);
        t.resolver = &*prepared.sidMap;
    } else if (config != nullptr) {
        prepared.idmap = IdmapResolver::open(config->idmap);
        t.resolver = prepared.idmap.get();
    }
    t.machine = settings.arch.empty() ? machineArch() : settings.arch;
    t.uidMin = settings.uidMin ? *settings.uidMin : config != nullptr ? config->uidMin : 1000;
    t.saclDirectories = !settings.saclDirs.empty() || config == nullptr ? settings.saclDirs : config->saclDirs;
    t.probe = settings.hostCheck ? &prepared.probe : nullptr;
    if (config != nullptr)
        t.maxRules = config->limits.maxRules;
    prepared.legacy = settings.legacy ? *settings.legacy : config != nullptr ? config->legacy : core::LegacyMode::Auto;
    return {};
}

Result<Translated> translateFetched(const RulesData &data, const core::Config &config, const ViewSettings &settings,
                                    const std::vector<CachedInput> &files, LoadedPolicy &loaded,
                                    const std::function<void(const LoadedPolicy &)> &parsed)
{
    loaded = parseCachedPolicy(data.catalog, files, config.limits);
    if (parsed)
        parsed(loaded);
    return translatePolicy(data, &config, settings, loaded.inputs);
}

Result<Translated> translatePolicy(const RulesData &data, const core::Config *config, const ViewSettings &settings,
                                   const std::vector<core::GpoInput> &inputs)
{
    Prepared prepared;
    if (auto ok = prepareTranslation(settings, config, prepared); !ok)
        return tl::unexpected(ok.error());
    auto resultant = core::merge(data.catalog, inputs, prepared.legacy);
    auto translation = core::translate(data.catalog, data.mapping, resultant, prepared.translate);
    if (!translation)
        return tl::unexpected(translation.error());
    // gpauditd.conf's limits on what a GPO may do here; the invariant that no policy turns auditing off
    // holds everywhere.
    auto limited = core::enforceGuardrails(*translation, config != nullptr ? config->guardrails : core::Guardrails{},
                                           data.mapping);
    if (!limited)
        return tl::unexpected(limited.error());
    return Translated{std::move(resultant), std::move(*translation), std::move(*limited), prepared.translate.machine};
}

} // namespace gpaudit::host
