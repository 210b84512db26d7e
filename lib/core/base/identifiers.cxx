// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/identifiers.hxx"

#include "core/base/text.hxx"

#include <array>
#include <charconv>
#include <limits>

namespace gpaudit::core {

std::optional<GuidText> parseGuid(std::string_view text, bool allowBare)
{
    if (text.size() == 38 && text.front() == '{' && text.back() == '}')
        text = text.substr(1, 36);
    else if (!allowBare || text.size() != 36)
        return std::nullopt;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool hyphenPlace = i == 8 || i == 13 || i == 18 || i == 23;
        if (hyphenPlace ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
    }
    return toUpper(text);
}

std::string Sid::str() const
{
    std::string out = "S-" + std::to_string(revision) + "-";
    if (authority >= (1ULL << 32)) {
        char buffer[32];
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, authority, 16);
        (void)ec;
        out += "0x" + toUpper(std::string_view(buffer, end - buffer));
    } else {
        out += std::to_string(authority);
    }
    for (auto sub : subAuthorities)
        out += "-" + std::to_string(sub);
    return out;
}

std::optional<Sid> parseSid(std::string_view text)
{
    if (text.size() < 5 || (text[0] != 'S' && text[0] != 's') || text[1] != '-')
        return std::nullopt;
    std::vector<std::string_view> parts;
    std::size_t start = 2;
    while (true) {
        const auto dash = text.find('-', start);
        parts.push_back(text.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start));
        if (dash == std::string_view::npos)
            break;
        start = dash + 1;
    }
    // revision, authority, 1..15 sub-authorities (MS-DTYP 2.4.2: SubAuthorityCount at most 15).
    if (parts.size() < 3 || parts.size() > 17)
        return std::nullopt;
    Sid sid;
    std::uint32_t revision = 0;
    if (!parseDecimal(parts[0], revision) || revision != 1)
        return std::nullopt;
    sid.revision = 1;
    std::string_view authority = parts[1];
    if (authority.size() > 2 && authority[0] == '0' && (authority[1] == 'x' || authority[1] == 'X')) {
        authority.remove_prefix(2);
        if (authority.empty() || authority.size() > 12)
            return std::nullopt;
        for (char c : authority)
            if (!std::isxdigit(static_cast<unsigned char>(c)))
                return std::nullopt;
        std::from_chars(authority.data(), authority.data() + authority.size(), sid.authority, 16);
    } else {
        std::uint32_t value = 0;
        if (!parseDecimal(authority, value))
            return std::nullopt;
        sid.authority = value;
    }
    for (std::size_t i = 2; i < parts.size(); ++i) {
        std::uint32_t value = 0;
        if (!parseDecimal(parts[i], value))
            return std::nullopt;
        sid.subAuthorities.push_back(value);
    }
    return sid;
}

namespace {
constexpr std::array kAliases = {
    SidAlias{"AA", "S-1-5-32-579", 0, "Access Control Assistance Operators"},
    SidAlias{"AC", "S-1-15-2-1", 0, "All App Packages"},
    SidAlias{"AN", "S-1-5-7", 0, "Anonymous"},
    SidAlias{"AO", "S-1-5-32-548", 0, "Account Operators"},
    SidAlias{"AU", "S-1-5-11", 0, "Authenticated Users"},
    SidAlias{"BA", "S-1-5-32-544", 0, "Builtin Administrators"},
    SidAlias{"BG", "S-1-5-32-546", 0, "Builtin Guests"},
    SidAlias{"BO", "S-1-5-32-551", 0, "Backup Operators"},
    SidAlias{"BU", "S-1-5-32-545", 0, "Builtin Users"},
    SidAlias{"CA", "", 517, "Cert Publishers"},
    SidAlias{"CD", "S-1-5-32-574", 0, "Certificate Service DCOM Access"},
    SidAlias{"CG", "S-1-3-1", 0, "Creator Group"},
    SidAlias{"CN", "", 522, "Cloneable Domain Controllers"},
    SidAlias{"CO", "S-1-3-0", 0, "Creator Owner"},
    SidAlias{"CY", "S-1-5-32-569", 0, "Crypto Operators"},
    SidAlias{"DA", "", 512, "Domain Admins"},
    SidAlias{"DC", "", 515, "Domain Computers"},
    SidAlias{"DD", "", 516, "Domain Controllers"},
    SidAlias{"DG", "", 514, "Domain Guests"},
    SidAlias{"DU", "", 513, "Domain Users"},
    SidAlias{"EA", "", 519, "Enterprise Admins"},
    SidAlias{"ED", "S-1-5-9", 0, "Enterprise Domain Controllers"},
    SidAlias{"ER", "S-1-5-32-573", 0, "Event Log Readers"},
    SidAlias{"HI", "S-1-16-12288", 0, "High Integrity Level"},
    SidAlias{"IS", "S-1-5-32-568", 0, "IIS_IUSRS"},
    SidAlias{"IU", "S-1-5-4", 0, "Interactive"},
    SidAlias{"LA", "", 500, "Local Administrator"},
    SidAlias{"LG", "", 501, "Local Guest"},
    SidAlias{"LS", "S-1-5-19", 0, "Local Service"},
    SidAlias{"LU", "S-1-5-32-559", 0, "Performance Log Users"},
    SidAlias{"LW", "S-1-16-4096", 0, "Low Integrity Level"},
    SidAlias{"ME", "S-1-16-8192", 0, "Medium Integrity Level"},
    SidAlias{"MU", "S-1-5-32-558", 0, "Performance Monitor Users"},
    SidAlias{"NO", "S-1-5-32-556", 0, "Network Configuration Operators"},
    SidAlias{"NS", "S-1-5-20", 0, "Network Service"},
    SidAlias{"NU", "S-1-5-2", 0, "Network"},
    SidAlias{"OW", "S-1-3-4", 0, "Owner Rights"},
    SidAlias{"PA", "", 520, "Group Policy Creator Owners"},
    SidAlias{"PO", "S-1-5-32-550", 0, "Print Operators"},
    SidAlias{"PS", "S-1-5-10", 0, "Principal Self"},
    SidAlias{"PU", "S-1-5-32-547", 0, "Power Users"},
    SidAlias{"RC", "S-1-5-12", 0, "Restricted Code"},
    SidAlias{"RD", "S-1-5-32-555", 0, "Remote Desktop Users"},
    SidAlias{"RE", "S-1-5-32-552", 0, "Replicator"},
    SidAlias{"RO", "", 498, "Enterprise Read-only Domain Controllers"},
    SidAlias{"RS", "", 553, "RAS Servers"},
    SidAlias{"RU", "S-1-5-32-554", 0, "Pre-Windows 2000 Compatible Access"},
    SidAlias{"SA", "", 518, "Schema Admins"},
    SidAlias{"SI", "S-1-16-16384", 0, "System Integrity Level"},
    SidAlias{"SO", "S-1-5-32-549", 0, "Server Operators"},
    SidAlias{"SU", "S-1-5-6", 0, "Service"},
    SidAlias{"SY", "S-1-5-18", 0, "Local System"},
    SidAlias{"WD", "S-1-1-0", 0, "Everyone"},
    SidAlias{"WR", "S-1-5-33", 0, "Write Restricted Code"},
};
} // namespace

const SidAlias *findSidAlias(std::string_view alias)
{
    for (const auto &entry : kAliases)
        if (equalsIgnoreCase(entry.alias, alias))
            return &entry;
    return nullptr;
}

} // namespace gpaudit::core
