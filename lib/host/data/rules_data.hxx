// SPDX-License-Identifier: GPL-2.0-or-later
// The rules/ data: embedded at build time, or read from a directory given by the administrator.
#pragma once

#include "core/linux/mapping.hxx"
#include "core/policy/catalog.hxx"

#include <string>
#include <string_view>

namespace gpaudit::data {
extern const std::string_view subcategoriesYaml;
extern const std::string_view mappingYaml;
extern const std::string_view syscallsYaml;
// The three as the core parsed them at build time (core/linux/rules_image.hxx).
extern const std::string_view rulesImage;
} // namespace gpaudit::data

namespace gpaudit::host {

struct RulesData {
    core::Catalog catalog;
    core::Mapping mapping;
};

// rulesDir empty: the built-in copy (parsed at build time). Otherwise subcategories.yaml, mapping.yaml and
// syscalls.yaml are read from rulesDir, and errors name those files.
Result<RulesData> loadRulesData(const std::string &rulesDir = {});

} // namespace gpaudit::host
