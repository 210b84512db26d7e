// SPDX-License-Identifier: GPL-2.0-or-later
// audit.csv bytes -> parse; when it parses, the whole pipeline (merge, translate, report) runs on it.
#include "core/linux/translate.hxx"
#include "core/report/render.hxx"
#include "host/data/rules_data.hxx"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const auto rules = gpaudit::host::loadRulesData();
    if (!rules)
        __builtin_trap();
    const std::string_view bytes(reinterpret_cast<const char *>(data), size);
    auto csv = gpaudit::core::parseAuditCsv(bytes, "audit.csv", rules->catalog);
    if (!csv) {
        if (csv.error().message.empty())
            __builtin_trap(); // every rejection must say why
        return 0;
    }
    std::vector<gpaudit::core::GpoInput> gpos(1);
    gpos[0].gpo = {"31B2F340-016D-11D2-945F-00C04FB984F9", "fuzz"};
    gpos[0].auditCsv = std::move(*csv);
    const auto resultant = gpaudit::core::merge(rules->catalog, gpos, gpaudit::core::LegacyMode::Auto);
    auto translation = gpaudit::core::translate(rules->catalog, rules->mapping, resultant, {});
    if (!translation)
        __builtin_trap(); // the default options are always valid
    std::vector<gpaudit::core::InputProblem> problems;
    const gpaudit::core::ReportInput report{rules->catalog, rules->mapping, resultant, *translation, problems};
    (void)gpaudit::core::renderShowText(report);
    (void)gpaudit::core::renderShowJson(report);
    (void)gpaudit::core::renderRulesFile(*translation, {});
    return 0;
}
