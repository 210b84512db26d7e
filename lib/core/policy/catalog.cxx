// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/policy/catalog.hxx"

#include "core/base/text.hxx"
#include "core/base/yaml_util.hxx"

#include <cstdio>

namespace gpaudit::core {

Result<Catalog> Catalog::fromYaml(std::string_view yamlText, std::string_view label)
{
    auto root = loadYaml(yamlText, label);
    if (!root)
        return tl::unexpected(root.error());
    Catalog catalog;
    auto error = [&](const YAML::Node &node, const std::string &message) { return yamlError(node, label, message); };
    try {
        if (!(*root)["version"] || (*root)["version"].as<int>() != 1)
            return error(*root, "unsupported catalog version (expected version: 1)");
        const auto categories = (*root)["categories"];
        if (!categories.IsSequence())
            return error(*root, "\"categories\" must be a list");
        for (const auto &categoryNode : categories) {
            Category category;
            category.name = requireString(categoryNode, "name");
            auto guid = parseGuid(requireString(categoryNode, "guid"), true);
            if (!guid)
                return error(categoryNode["guid"], "invalid category GUID");
            category.guid = *guid;
            category.legacyKey = requireString(categoryNode, "legacy");
            const auto subs = categoryNode["subcategories"];
            if (!subs.IsSequence())
                return error(categoryNode, "\"subcategories\" must be a list");
            for (const auto &subNode : subs) {
                Subcategory sub;
                const std::string code = requireString(subNode, "code");
                std::uint32_t value = 0;
                if (code.size() != 2 || std::sscanf(code.c_str(), "%2x", &value) != 1 || value < 0x10 || value > 0x4A)
                    return error(subNode, "subcategory code must be two hex digits 10..4A");
                sub.code = static_cast<std::uint8_t>(value);
                sub.guid = "0CCE92" + toUpper(code) + std::string(kSubcategoryGuidSuffix);
                sub.slug = requireString(subNode, "slug");
                sub.name = requireString(subNode, "name");
                sub.auditpolName = subNode["auditpol"] ? subNode["auditpol"].as<std::string>() : sub.name;
                sub.category = catalog.categories_.size();
                const auto index = catalog.subcategories_.size();
                if (!catalog.byGuid_.emplace(sub.guid, index).second)
                    return error(subNode, "duplicate subcategory code " + code);
                if (!catalog.bySlug_.emplace(sub.slug, index).second)
                    return error(subNode, "duplicate subcategory slug " + sub.slug);
                category.subcategories.push_back(index);
                catalog.subcategories_.push_back(std::move(sub));
            }
            catalog.categories_.push_back(std::move(category));
        }
    } catch (const YAML::Exception &e) {
        return fail(std::string(label) + ": " + e.what());
    } catch (const YamlFieldError &e) {
        return error(e.node, e.what());
    }
    return catalog;
}

void Catalog::writeImage(ImageWriter &out) const
{
    out.u32(static_cast<std::uint32_t>(categories_.size()));
    for (const auto &category : categories_) {
        out.str(category.name);
        out.str(category.guid);
        out.str(category.legacyKey);
    }
    out.u32(static_cast<std::uint32_t>(subcategories_.size()));
    for (const auto &sub : subcategories_) {
        out.u32(sub.code);
        out.str(sub.guid);
        out.str(sub.slug);
        out.str(sub.name);
        out.str(sub.auditpolName);
        out.u32(static_cast<std::uint32_t>(sub.category));
    }
}

Result<Catalog> Catalog::readImage(ImageReader &in)
{
    Catalog catalog;
    std::uint32_t categories = 0;
    if (!in.count(categories, 12))
        return tl::unexpected(in.error());
    catalog.categories_.resize(categories);
    for (auto &category : catalog.categories_)
        if (!in.str(category.name) || !in.str(category.guid) || !in.str(category.legacyKey))
            return tl::unexpected(in.error());
    std::uint32_t subcategories = 0;
    if (!in.count(subcategories, 24))
        return tl::unexpected(in.error());
    catalog.subcategories_.resize(subcategories);
    for (std::size_t index = 0; index < catalog.subcategories_.size(); ++index) {
        auto &sub = catalog.subcategories_[index];
        std::uint32_t code = 0;
        std::uint32_t category = 0;
        if (!in.u32(code) || !in.str(sub.guid) || !in.str(sub.slug) || !in.str(sub.name) || !in.str(sub.auditpolName) ||
            !in.u32(category))
            return tl::unexpected(in.error());
        if (code < 0x10 || code > 0x4A || category >= catalog.categories_.size())
            return (in.corrupt("a subcategory out of range"), tl::unexpected(in.error()));
        sub.code = static_cast<std::uint8_t>(code);
        sub.category = category;
        // The categories list their subcategories in auditpol order, the order they were written.
        catalog.categories_[category].subcategories.push_back(index);
        if (!catalog.byGuid_.emplace(sub.guid, index).second || !catalog.bySlug_.emplace(sub.slug, index).second)
            return (in.corrupt("a duplicate subcategory"), tl::unexpected(in.error()));
    }
    return catalog;
}

const Subcategory *Catalog::byGuid(std::string_view canonicalGuid) const
{
    auto it = byGuid_.find(canonicalGuid);
    return it == byGuid_.end() ? nullptr : &subcategories_[it->second];
}

const Subcategory *Catalog::bySlug(std::string_view slug) const
{
    auto it = bySlug_.find(slug);
    return it == bySlug_.end() ? nullptr : &subcategories_[it->second];
}

std::size_t Catalog::indexOf(const Subcategory &subcategory) const
{
    return static_cast<std::size_t>(&subcategory - subcategories_.data());
}

const Category *Catalog::categoryByLegacyKey(std::string_view key) const
{
    for (const auto &category : categories_)
        if (equalsIgnoreCase(category.legacyKey, key))
            return &category;
    return nullptr;
}

} // namespace gpaudit::core
