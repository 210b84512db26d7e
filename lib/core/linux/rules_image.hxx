// SPDX-License-Identifier: GPL-2.0-or-later
// The built-in rules data (rules/*.yaml) as the build parsed it: the catalog and the mapping in the
// binary form of core/base/image.hxx, made by rules/image.cxx at build time with the same
// Catalog::fromYaml and Mapping::fromYaml every --rules-dir goes through, so the two cannot differ
// (unit test "rules image").
#pragma once

#include "core/base/result.hxx"
#include "core/linux/mapping.hxx"
#include "core/policy/catalog.hxx"

#include <string>
#include <string_view>

namespace gpaudit::core {

struct RulesImage {
    Catalog catalog;
    Mapping mapping;
};

std::string writeRulesImage(const Catalog &catalog, const Mapping &mapping);
Result<RulesImage> readRulesImage(std::string_view bytes, std::string_view label);

} // namespace gpaudit::core
