// SPDX-License-Identifier: GPL-2.0-or-later
// GptTmpl.inf, MS-GPSB 2.2: [Event Audit] (2.2.4) and [Registry Values] (2.2.5).
#include "core/base/text.hxx"
#include "core/policy/policy.hxx"

namespace gpaudit::core {

Result<SecurityTemplate> parseSecurityTemplate(std::string_view bytes, std::string_view label,
                                               const PolicyLimits &limits)
{
    if (auto ok = checkFileSize(bytes.size(), label, limits); !ok)
        return tl::unexpected(ok.error());
    auto decoded = decodeText(bytes, label);
    if (!decoded)
        return tl::unexpected(decoded.error());
    SecurityTemplate tmpl;
    const std::string file(label);
    enum class Section { Other, EventAudit, RegistryValues } section = Section::Other;
    const auto lines = splitLines(decoded->utf8);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const Location where{file, static_cast<std::uint32_t>(i + 1), 0};
        const auto raw = lines[i];
        const auto line = trim(raw);
        if (line.empty() || line.front() == ';')
            continue;
        if (line.front() == '[') {
            if (line.back() != ']')
                return fail("section header without \"]\"", where);
            const auto name = trim(line.substr(1, line.size() - 2));
            if (equalsIgnoreCase(name, "Event Audit"))
                section = Section::EventAudit;
            else if (equalsIgnoreCase(name, "Registry Values"))
                section = Section::RegistryValues;
            else
                section = Section::Other; // skipped, never interpreted
            continue;
        }
        if (section == Section::Other)
            continue;
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            if (section == Section::EventAudit)
                return fail("expected \"Key = Value\" in [Event Audit]", where);
            continue;
        }
        const auto key = trim(line.substr(0, equals));
        const auto val = trim(line.substr(equals + 1));
        const auto valueColumn = static_cast<std::uint32_t>(raw.find(val.empty() ? "=" : val) + 1);
        if (section == Section::EventAudit) {
            std::string_view canonical;
            for (auto known : kEventAuditKeys)
                if (equalsIgnoreCase(known, key))
                    canonical = known;
            std::uint32_t number = 0;
            // MS-GPSB 2.2.4: Value = 1*DIGIT, meaningful 0..4 (0 and 4 = None).
            if (!parseDecimal(val, number) || number > 4)
                return fail("[Event Audit] " + std::string(key) + " must be 0..4 (MS-GPSB 2.2.4), found \"" +
                                std::string(val) + "\"",
                            {file, where.line, valueColumn});
            if (canonical.empty()) {
                tmpl.warnings.push_back({where, "unknown [Event Audit] key \"" + std::string(key) + "\"; ignored"});
                continue;
            }
            if (tmpl.eventAudit.contains(std::string(canonical)))
                tmpl.warnings.push_back({where, std::string(canonical) + " set again; this later line wins"});
            tmpl.eventAudit[std::string(canonical)] = {static_cast<std::uint8_t>(number),
                                                       {file, where.line, valueColumn}};
            continue;
        }
        // [Registry Values]: Key=Type,Value (MS-GPSB 2.2.5). Only the legacy-policy switch concerns us.
        if (!equalsIgnoreCase(key, kSceNoApplyLegacyAuditPolicy))
            continue;
        const auto comma = val.find(',');
        std::uint32_t type = 0;
        std::uint32_t number = 0;
        if (comma == std::string_view::npos || !parseDecimal(trim(val.substr(0, comma)), type) || type != 4 ||
            !parseDecimal(trim(val.substr(comma + 1)), number))
            return fail("SCENoApplyLegacyAuditPolicy must be a REG_DWORD written \"4,<number>\", found \"" +
                            std::string(val) + "\"",
                        {file, where.line, valueColumn});
        tmpl.sceNoApplyLegacyAuditPolicy = SecurityTemplate::RegistryDword{number, {file, where.line, valueColumn}};
    }
    return tmpl;
}

} // namespace gpaudit::core
