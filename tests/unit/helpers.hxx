// SPDX-License-Identifier: GPL-2.0-or-later
// Shared by the unit tests: the built-in rules data and small builders.
#pragma once

#include "core/linux/translate.hxx"
#include "core/policy/merge.hxx"
#include "core/policy/policy.hxx"
#include "host/data/rules_data.hxx"

#include <doctest/doctest.h>
#include <string>

namespace test {

inline const gpaudit::host::RulesData &data()
{
    static const auto loaded = [] {
        auto result = gpaudit::host::loadRulesData();
        if (!result)
            FAIL("built-in rules data: " << result.error().str());
        return std::move(*result);
    }();
    return loaded;
}

inline std::string guidOf(std::string_view slug)
{
    const auto *sub = data().catalog.bySlug(slug);
    REQUIRE(sub != nullptr);
    return "{" + sub->guid + "}";
}

inline std::size_t indexOf(std::string_view slug)
{
    const auto *sub = data().catalog.bySlug(slug);
    REQUIRE(sub != nullptr);
    return data().catalog.indexOf(*sub);
}

inline constexpr const char *kHeader =
    "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n";

inline std::string row(std::string_view slug, int value, std::string_view target = "System")
{
    return "HOST," + std::string(target) + ",Name," + guidOf(slug) + ",x,," + std::to_string(value) + "\r\n";
}

inline gpaudit::core::AuditCsv csv(const std::string &text)
{
    auto parsed = gpaudit::core::parseAuditCsv(text, "audit.csv", data().catalog);
    if (!parsed)
        FAIL("parse failed: " << parsed.error().str());
    return *parsed;
}

inline gpaudit::core::GpoInput gpo(const std::string &name, const std::string &auditCsv, const std::string &inf = {})
{
    gpaudit::core::GpoInput input;
    input.gpo = {"GUID-" + name, name};
    if (!auditCsv.empty())
        input.auditCsv = csv(auditCsv);
    if (!inf.empty()) {
        auto parsed = gpaudit::core::parseSecurityTemplate(inf, "GptTmpl.inf");
        if (!parsed)
            FAIL("inf parse failed: " << parsed.error().str());
        input.securityTemplate = *parsed;
    }
    return input;
}

inline gpaudit::core::Translation translate(const gpaudit::core::Resultant &resultant,
                                            const gpaudit::core::TranslateOptions &options = {})
{
    auto result = gpaudit::core::translate(data().catalog, data().mapping, resultant, options);
    if (!result)
        FAIL("translate failed: " << result.error().str());
    return *result;
}

inline std::string rulesText(const gpaudit::core::Translation &translation)
{
    std::string out;
    for (const auto &rule : translation.rules)
        out += rule.render() + "\n";
    return out;
}

} // namespace test
