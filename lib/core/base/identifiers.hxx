// SPDX-License-Identifier: GPL-2.0-or-later
// GUIDs and SIDs as they appear in policy files. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

// A GUID in its canonical text form: upper case, no braces ("0CCE922B-69AE-11D9-BED3-505054503030").
// audit.csv writers differ in case (GPMC: upper, auditpol /backup: lower); comparisons use this form.
using GuidText = std::string;

// Accepts "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" in any case (MS-GPAC 2.2 GUID rule); with
// allowBare also the form without braces. Returns the canonical form.
std::optional<GuidText> parseGuid(std::string_view text, bool allowBare = false);

// A security identifier, MS-DTYP 2.4.2: S-1-IdentifierAuthority-SubAuthority...
struct Sid {
    std::uint8_t revision = 1;
    std::uint64_t authority = 0; // 48 bits
    std::vector<std::uint32_t> subAuthorities;

    [[nodiscard]] std::string str() const;
    bool operator==(const Sid &) const = default;
    auto operator<=>(const Sid &) const = default;
};

// Parses "S-1-5-21-..." (case-insensitive "S", authority decimal or 0x-hex, 1..15 sub-authorities).
std::optional<Sid> parseSid(std::string_view text);

// SDDL two-letter trustee aliases (MS-DTYP 2.5.1.1). Machine-independent aliases resolve to a SID;
// domain-relative ones (DA, DU, ...) carry only their RID, since the domain SID is not known offline.
struct SidAlias {
    std::string_view alias;
    std::string_view sid; // empty for domain-relative
    std::uint32_t domainRid = 0;
    std::string_view description;
};

const SidAlias *findSidAlias(std::string_view alias);

} // namespace gpaudit::core
