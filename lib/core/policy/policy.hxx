// SPDX-License-Identifier: GPL-2.0-or-later
// The policy model: what one GPO's files say (AuditCsv, SecurityTemplate). Pure.
#pragma once

#include "core/base/identifiers.hxx"
#include "core/base/limits.hxx"
#include "core/base/result.hxx"
#include "core/policy/sddl.hxx"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::core {

// System audit setting values, MS-GPAC 2.2.1.3.1.
namespace value {
inline constexpr std::uint8_t NotConfigured = 0;
inline constexpr std::uint8_t Success = 1;
inline constexpr std::uint8_t Failure = 2;
inline constexpr std::uint8_t SuccessAndFailure = 3;
inline constexpr std::uint8_t None = 4;
} // namespace value

// Per-user setting bits, MS-GPAC 2.2.1.3.2.
namespace userbits {
inline constexpr std::uint8_t IncludeSuccess = 0x01;
inline constexpr std::uint8_t ExcludeSuccess = 0x02;
inline constexpr std::uint8_t IncludeFailure = 0x04;
inline constexpr std::uint8_t ExcludeFailure = 0x08;
inline constexpr std::uint8_t None = 16;
} // namespace userbits

// "Success", "Failure", "Success and Failure", "No Auditing" (auditpol's words).
std::string_view settingText(std::uint8_t systemValue);

// Audit options, MS-GPAC 2.2.2.1, in this order everywhere.
enum class AuditOption : std::uint8_t {
    CrashOnAuditFail,
    FullPrivilegeAuditing,
    AuditBaseObjects,
    AuditBaseDirectories
};
inline constexpr std::array<std::string_view, 4> kAuditOptionNames = {"CrashOnAuditFail", "FullPrivilegeAuditing",
                                                                      "AuditBaseObjects", "AuditBaseDirectories"};
std::optional<AuditOption> parseAuditOption(std::string_view name); // case-insensitive

// One GPO's audit.csv (MS-GPAC 2.2).
struct AuditCsv {
    struct SystemSetting {
        GuidText subcategory;
        std::uint8_t value = 0;
        Location where;
    };
    struct UserSetting {
        Sid sid;
        GuidText subcategory;
        std::uint8_t value = 0;
        Location where;
    };
    struct OptionSetting {
        bool enabled = false;
        Location where;
    };
    std::vector<SystemSetting> system; // at most one per subcategory (a later duplicate row replaces)
    std::vector<UserSetting> perUser;  // at most one per (SID, subcategory)
    std::array<std::optional<OptionSetting>, 4> options;
    std::optional<Sacl> fileGlobalSacl;
    std::optional<Sacl> registryGlobalSacl;
    std::vector<Warning> warnings;
    // What the parser assumed to read a file that departs from MS-GPAC 2.2 the way a localized
    // `auditpol /backup` does (code page, localized header, Policy Target and option names); shown by
    // `show` with the file. Empty for a conforming file.
    std::vector<std::string> assumptions;
};

// One GPO's GptTmpl.inf, the parts that concern audit (MS-GPSB 2.2.4, 2.2.5).
struct SecurityTemplate {
    struct EventAudit {
        std::uint8_t value = 0; // 0..4 as written; 0 and 4 both mean "No auditing"
        Location where;
    };
    std::map<std::string, EventAudit> eventAudit; // by canonical key ("AuditProcessTracking")
    struct RegistryDword {
        std::uint32_t value = 0;
        Location where;
    };
    std::optional<RegistryDword> sceNoApplyLegacyAuditPolicy;
    std::vector<Warning> warnings;
};

// The nine [Event Audit] keys, MS-GPSB 2.2.4.
inline constexpr std::array<std::string_view, 9> kEventAuditKeys = {
    "AuditSystemEvents",  "AuditLogonEvents",     "AuditObjectAccess", "AuditPrivilegeUse", "AuditPolicyChange",
    "AuditAccountManage", "AuditProcessTracking", "AuditDSAccess",     "AuditAccountLogon"};

inline constexpr std::string_view kSceNoApplyLegacyAuditPolicy =
    R"(MACHINE\System\CurrentControlSet\Control\Lsa\SCENoApplyLegacyAuditPolicy)";

class Catalog;

// Parses audit.csv bytes. A file that does not conform, or exceeds a limit (maxFileSize,
// maxPerUserSids, maxSaclAces), is rejected as a whole (MS-GPAC 3.2.5), with the line, column and
// reason. `label` names the file in errors and warnings. Near-linear in the size of the file; at most
// kMaxWarnings warnings are kept (then one that counts the rest).
Result<AuditCsv> parseAuditCsv(std::string_view bytes, std::string_view label, const Catalog &catalog,
                               const PolicyLimits &limits = {});
inline constexpr std::size_t kMaxWarnings = 100;

// The error for a file over limits.maxFileSize, or nothing.
Result<void> checkFileSize(std::size_t size, std::string_view label, const PolicyLimits &limits);

// Parses GptTmpl.inf bytes (UTF-16LE with BOM as Windows writes it, or UTF-8). Sections other than
// [Event Audit] and [Registry Values] are skipped without interpretation. A file over
// limits.maxFileSize is rejected.
Result<SecurityTemplate> parseSecurityTemplate(std::string_view bytes, std::string_view label,
                                               const PolicyLimits &limits = {});

} // namespace gpaudit::core
