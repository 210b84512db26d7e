// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/policy/merge.hxx"

#include "core/base/safe_text.hxx"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_set>

namespace gpaudit::core {

// The name comes from the domain (displayName), a GPMC backup or a path: shown escaped, on one line.
std::string GpoRef::str() const
{
    if (guid.empty())
        return displayText(name);
    if (name.empty())
        return "{" + displayText(guid) + "}";
    return displayText(name) + " {" + displayText(guid) + "}";
}

Resultant merge(const Catalog &catalog, std::span<const GpoInput> lowestFirst, LegacyMode legacyMode)
{
    Resultant out;
    out.legacyMode = legacyMode;
    out.subcategories.resize(catalog.subcategories().size());
    for (const auto &input : lowestFirst) {
        out.gpos.push_back(input.gpo);
        out.files.push_back(input.files);
    }

    struct LegacyValue {
        std::uint8_t value;
        GpoRef source;
    };
    std::map<std::string, LegacyValue> legacy;
    std::map<std::pair<Sid, std::size_t>, UserResult> users;
    // The ACEs already in the union, by aceIdentity: a hash set, not a scan of the union per ACE.
    std::unordered_set<std::string> fileAces, registryAces;

    // Walk from the highest precedence down; the first GPO that configures a setting wins outright
    // (MS-GPOL 3.2.5.1 order; MS-GPAC 3.2.5 stores each GPO's values in turn, so the last processed
    // stays). Success and failure are not OR-ed across GPOs.
    for (auto it = lowestFirst.rbegin(); it != lowestFirst.rend(); ++it) {
        const auto &gpo = it->gpo;
        if (it->auditCsv) {
            const auto &csv = *it->auditCsv;
            for (const auto &setting : csv.system) {
                const auto *sub = catalog.byGuid(setting.subcategory);
                if (sub == nullptr || setting.value == value::NotConfigured) // 0 = unchanged (2.2.1.3.1)
                    continue;
                auto &slot = out.subcategories[catalog.indexOf(*sub)];
                if (slot.origin == Origin::NotConfigured)
                    slot = {setting.value, Origin::Advanced, gpo, {}};
            }
            for (std::size_t i = 0; i < csv.options.size(); ++i)
                if (csv.options[i] && !out.options[i])
                    out.options[i] = OptionResult{csv.options[i]->enabled, gpo};
            // MS-GPAC 3.2.5: global SACL ACEs are added "if it doesn't already exist": a union across
            // GPOs (Windows 7 took the highest GPO's SACL whole, <7>; we follow the current behaviour).
            for (auto [sacl, target, seen] :
                 {std::tuple{&csv.fileGlobalSacl, &out.fileGlobalSacl, &fileAces},
                  std::tuple{&csv.registryGlobalSacl, &out.registryGlobalSacl, &registryAces}}) {
                if (!*sacl)
                    continue;
                for (const auto &ace : (*sacl)->aces)
                    if (seen->insert(aceIdentity(ace)).second)
                        target->push_back({ace, gpo});
            }
            for (const auto &setting : csv.perUser) {
                const auto *sub = catalog.byGuid(setting.subcategory);
                if (sub == nullptr || setting.value == 0)
                    continue;
                const auto key = std::pair{setting.sid, catalog.indexOf(*sub)};
                users.try_emplace(key, UserResult{setting.sid, key.second, setting.value, gpo, false});
            }
        }
        if (it->securityTemplate) {
            const auto &tmpl = *it->securityTemplate;
            for (const auto &[key, entry] : tmpl.eventAudit)
                if (!legacy.contains(key))
                    legacy[key] = {entry.value, gpo};
            if (tmpl.sceNoApplyLegacyAuditPolicy && !out.sceNoApplyLegacyAuditPolicy)
                out.sceNoApplyLegacyAuditPolicy = Resultant::LegacySwitch{tmpl.sceNoApplyLegacyAuditPolicy->value, gpo};
        }
    }

    // Legacy [Event Audit] (MS-GPSB 2.2.4) sets every subcategory of its category unless the resultant
    // SCENoApplyLegacyAuditPolicy is 1 (MS-GPSB 3.2.5.6; MS-GPAC 5.1); advanced settings override it
    // per subcategory. A local switch may force either way.
    switch (legacyMode) {
    case LegacyMode::Apply:
        out.legacyApplied = true;
        break;
    case LegacyMode::Ignore:
        out.legacyApplied = false;
        break;
    case LegacyMode::Auto:
        out.legacyApplied = !(out.sceNoApplyLegacyAuditPolicy && out.sceNoApplyLegacyAuditPolicy->value != 0);
        break;
    }
    if (out.legacyApplied) {
        for (const auto &category : catalog.categories()) {
            auto found = legacy.find(category.legacyKey);
            if (found == legacy.end())
                continue;
            // 0 and 4 both mean "No auditing" in [Event Audit].
            const std::uint8_t v = found->second.value == 0 ? value::None : found->second.value;
            for (auto index : category.subcategories) {
                auto &slot = out.subcategories[index];
                if (slot.origin == Origin::NotConfigured)
                    slot = {v, Origin::Legacy, found->second.source, category.legacyKey};
            }
        }
    }

    // Administrative Templates (MS-GPREG 3.2.5): every GPO's Registry.pol applied lowest precedence
    // first, so a later GPO's value or deletion (**del., **delvals.) wins, as for the audit settings.
    {
        std::vector<const RegistryPol *> pols;
        for (const auto &input : lowestFirst)
            pols.push_back(input.registryPol ? &*input.registryPol : nullptr);
        if (auto outcome = applyRegistryPolicy(pols, kAuditPolicyKey, kIncludeCmdLineValue))
            out.includeCommandLine = RegistrySetting{*outcome, lowestFirst[outcome->index].gpo};
    }

    // MS-GPAC <6>: once a user has any per-user setting, Include Failure applies to that user's
    // other subcategories.
    std::map<Sid, GpoRef> usersWithSettings;
    for (const auto &[key, result] : users)
        usersWithSettings.emplace(key.first, result.source);
    for (const auto &[sid, source] : usersWithSettings) {
        for (std::size_t index = 0; index < catalog.subcategories().size(); ++index) {
            users.try_emplace(std::pair{sid, index}, UserResult{sid, index, userbits::IncludeFailure, source, true});
        }
    }
    for (auto &[key, result] : users)
        out.perUser.push_back(std::move(result));
    return out;
}

} // namespace gpaudit::core
