// SPDX-License-Identifier: GPL-2.0-or-later
// Resultant policy of an ordered GPO list, with the winning GPO of every setting. Pure.
#pragma once

#include "core/policy/catalog.hxx"
#include "core/policy/policy.hxx"
#include "core/policy/registry_pol.hxx"

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace gpaudit::core {

struct GpoRef {
    std::string guid;                      // canonical GUID, or empty for a file given on the command line
    std::string name;                      // display name (or the file path when there is no GPO)
    [[nodiscard]] std::string str() const; // "name {GUID}", escaped for display (safe_text.hxx)
    bool operator==(const GpoRef &) const = default;
};

// What became of one of a GPO's policy files, for `show`: used or ignored, and why (with the
// MS-GPOL/MS-GPAC section that decides), and what was assumed to read it.
struct FileUse {
    std::string file; // "audit.csv", "GptTmpl.inf"
    bool used = false;
    std::string why;
    std::vector<std::string> assumptions;
    bool operator==(const FileUse &) const = default;
};

// What one GPO contributes. A file that was rejected is absent here (and reported by the caller).
struct GpoInput {
    GpoRef gpo;
    std::optional<AuditCsv> auditCsv;
    std::optional<SecurityTemplate> securityTemplate;
    std::optional<RegistryPol> registryPol; // Machine/Registry.pol (Administrative Templates, MS-GPREG)
    std::vector<FileUse> files;             // each file found or expected, used or not
};

enum class Origin { NotConfigured, Advanced, Legacy };

struct SubcategoryResult {
    std::uint8_t value = value::NotConfigured; // 0..4; a legacy 0 ("No auditing") is stored as 4
    Origin origin = Origin::NotConfigured;
    GpoRef source;
    std::string legacyKey; // for Origin::Legacy
};

struct OptionResult {
    bool enabled = false;
    GpoRef source;
};

struct SourcedAce {
    Ace ace;
    GpoRef source; // the highest-precedence GPO that carries the ACE
};

struct UserResult {
    Sid sid;
    std::size_t subcategory = 0; // catalog index
    std::uint8_t value = 0;      // per-user bits or 16
    GpoRef source;
    bool implicit = false; // MS-GPAC <6>: Include Failure by default for a user's other subcategories
};

enum class LegacyMode { Auto, Apply, Ignore };

// A registry policy value the audit side uses, after every GPO's Registry.pol (MS-GPREG 3.2.5), with
// the GPO whose instruction decided it.
struct RegistrySetting {
    RegistryOutcome outcome;
    GpoRef source;
    // "Include command line in process creation events": REG_DWORD other than 0.
    [[nodiscard]] bool enabled() const
    {
        const auto value = outcome.dword();
        return value && *value != 0;
    }
};

struct Resultant {
    std::vector<SubcategoryResult> subcategories; // indexed like Catalog::subcategories()
    std::array<std::optional<OptionResult>, 4> options;
    std::vector<SourcedAce> fileGlobalSacl;
    std::vector<SourcedAce> registryGlobalSacl;
    std::vector<UserResult> perUser; // sorted by SID, then catalog index
    struct LegacySwitch {
        std::uint32_t value = 0;
        GpoRef source;
    };
    std::optional<LegacySwitch> sceNoApplyLegacyAuditPolicy;
    // Software\Microsoft\Windows\CurrentVersion\Policies\System\Audit!ProcessCreationIncludeCmdLine_Enabled;
    // nullopt: no GPO's Registry.pol touches it (not configured: the command line is left out of 4688).
    std::optional<RegistrySetting> includeCommandLine;
    LegacyMode legacyMode = LegacyMode::Auto;
    bool legacyApplied = false;
    std::vector<GpoRef> gpos;                // the input order, lowest precedence first
    std::vector<std::vector<FileUse>> files; // per entry of gpos: its files, used or not

    [[nodiscard]] bool optionEnabled(AuditOption option) const
    {
        const auto &o = options[static_cast<std::size_t>(option)];
        return o && o->enabled;
    }
};

// Merges GPOs given lowest precedence first (MS-GPOL 3.2.5.1: the GPO processed last wins).
Resultant merge(const Catalog &catalog, std::span<const GpoInput> lowestFirst, LegacyMode legacyMode);

} // namespace gpaudit::core
