// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/data/rules_data.hxx"

#include "core/linux/rules_image.hxx"
#include "host/files/files.hxx"

namespace gpaudit::host {

Result<RulesData> loadRulesData(const std::string &rulesDir)
{
    if (rulesDir.empty()) {
        // The built-in rules, parsed at build time (rules/image.cxx): no YAML parser in a fresh process.
        auto image = core::readRulesImage(data::rulesImage, "rules/*.yaml (built in)");
        if (!image)
            return tl::unexpected(image.error());
        return RulesData{std::move(image->catalog), std::move(image->mapping)};
    }
    std::string subcategories;
    std::string mapping;
    std::string syscalls;
    const std::string subcategoriesLabel = rulesDir + "/subcategories.yaml";
    const std::string mappingLabel = rulesDir + "/mapping.yaml";
    const std::string syscallsLabel = rulesDir + "/syscalls.yaml";
    for (auto [text, label] : {std::pair{&subcategories, &subcategoriesLabel}, std::pair{&mapping, &mappingLabel},
                               std::pair{&syscalls, &syscallsLabel}}) {
        auto bytes = readFileBounded(*label);
        if (!bytes)
            return tl::unexpected(bytes.error());
        *text = std::move(*bytes);
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
