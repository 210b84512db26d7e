// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/data/rules_data.hxx"

#include "host/files/files.hxx"

namespace gpaudit::host {

Result<RulesData> loadRulesData(const std::string &rulesDir)
{
    std::string subcategories(data::subcategoriesYaml);
    std::string mapping(data::mappingYaml);
    std::string syscalls(data::syscallsYaml);
    std::string subcategoriesLabel = "rules/subcategories.yaml (built in)";
    std::string mappingLabel = "rules/mapping.yaml (built in)";
    std::string syscallsLabel = "rules/syscalls.yaml (built in)";
    if (!rulesDir.empty()) {
        for (auto [name, text, label] : {std::tuple{"subcategories.yaml", &subcategories, &subcategoriesLabel},
                                         std::tuple{"mapping.yaml", &mapping, &mappingLabel},
                                         std::tuple{"syscalls.yaml", &syscalls, &syscallsLabel}}) {
            *label = rulesDir + "/" + name;
            auto bytes = readFileBounded(*label);
            if (!bytes)
                return tl::unexpected(bytes.error());
            *text = std::move(*bytes);
        }
    }
    auto catalog = core::Catalog::fromYaml(subcategories, subcategoriesLabel);
    if (!catalog)
        return tl::unexpected(catalog.error());
    auto loaded = core::Mapping::fromYaml(*catalog, mapping, mappingLabel, syscalls, syscallsLabel);
    if (!loaded)
        return tl::unexpected(loaded.error());
    return RulesData{std::move(*catalog), std::move(*loaded)};
}

} // namespace gpaudit::host
