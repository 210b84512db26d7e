// SPDX-License-Identifier: GPL-2.0-or-later
// GptTmpl.inf bytes (any encoding) -> parse, then merge as a legacy policy.
#include "core/policy/merge.hxx"
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
    auto tmpl = gpaudit::core::parseSecurityTemplate(bytes, "GptTmpl.inf");
    if (!tmpl)
        return 0;
    for (const auto &[key, entry] : tmpl->eventAudit)
        if (entry.value > 4)
            __builtin_trap(); // the parser guarantees the MS-GPSB range
    std::vector<gpaudit::core::GpoInput> gpos(1);
    gpos[0].securityTemplate = std::move(*tmpl);
    (void)gpaudit::core::merge(rules->catalog, gpos, gpaudit::core::LegacyMode::Auto);
    return 0;
}
