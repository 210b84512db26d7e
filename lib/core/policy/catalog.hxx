// SPDX-License-Identifier: GPL-2.0-or-later
// The audit subcategory catalog (MS-GPAC 2.2.1.2), loaded from rules/subcategories.yaml. Pure.
#pragma once

#include "core/base/identifiers.hxx"
#include "core/base/image.hxx"
#include "core/base/result.hxx"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

struct Category {
    std::string name;                       // "Detailed Tracking"
    GuidText guid;                          // auditpol category GUID
    std::string legacyKey;                  // [Event Audit] key (MS-GPSB 2.2.4), e.g. "AuditProcessTracking"
    std::vector<std::size_t> subcategories; // indexes into Catalog::subcategories(), auditpol order
    bool operator==(const Category &) const = default;
};

struct Subcategory {
    std::uint8_t code = 0;    // 0x10..0x4A
    GuidText guid;            // "0CCE922B-69AE-11D9-BED3-505054503030"
    std::string slug;         // "process-creation"
    std::string name;         // MS-GPAC name
    std::string auditpolName; // as `auditpol /get` prints it
    std::size_t category = 0; // index into Catalog::categories()
    bool operator==(const Subcategory &) const = default;
};

class Catalog {
  public:
    static Result<Catalog> fromYaml(std::string_view yamlText, std::string_view label);
    // The built-in catalog in the build's binary form (core/base/image.hxx): what fromYaml made of
    // rules/subcategories.yaml at build time, read back without a YAML parser.
    void writeImage(ImageWriter &out) const;
    static Result<Catalog> readImage(ImageReader &in);
    bool operator==(const Catalog &other) const
    {
        return categories_ == other.categories_ && subcategories_ == other.subcategories_;
    }

    [[nodiscard]] const std::vector<Category> &categories() const { return categories_; }
    // In display order (category by category, auditpol order inside each).
    [[nodiscard]] const std::vector<Subcategory> &subcategories() const { return subcategories_; }
    [[nodiscard]] const Subcategory *byGuid(std::string_view canonicalGuid) const;
    [[nodiscard]] const Subcategory *bySlug(std::string_view slug) const;
    [[nodiscard]] std::size_t indexOf(const Subcategory &subcategory) const;
    [[nodiscard]] const Category *categoryByLegacyKey(std::string_view key) const; // case-insensitive

  private:
    std::vector<Category> categories_;
    std::vector<Subcategory> subcategories_;
    std::map<std::string, std::size_t, std::less<>> byGuid_;
    std::map<std::string, std::size_t, std::less<>> bySlug_;
};

inline constexpr std::string_view kSubcategoryGuidSuffix = "-69AE-11D9-BED3-505054503030";

} // namespace gpaudit::core
