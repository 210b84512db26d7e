// SPDX-License-Identifier: GPL-2.0-or-later
// Registry.pol, the Administrative Templates file of a GPO (MS-GPREG 2.2.1): the header "PReg" and
// version 1 (little-endian DWORD), then instructions "[key;value;type;size;data]" whose brackets and
// semicolons are UTF-16LE characters, key and value NUL-terminated UTF-16LE strings, type and size
// little-endian DWORDs and data `size` raw bytes. Parsed into values, bounded by the file size; the
// first malformed byte rejects the file with its offset. Pure.
//
// Applying the instructions of several GPOs (MS-GPREG 3.2.5, "Policy Application"): GPOs are processed
// lowest precedence first and each instruction in file order, so a later GPO's value replaces an
// earlier one's, and a later GPO's "**del.NAME", "**delvals.", "**DeleteValues" or "**DeleteKeys"
// removes what an earlier one set (MS-GPREG 2.2.1: value names with these prefixes are directives).
#pragma once

#include "core/base/limits.hxx"
#include "core/base/result.hxx"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

// Registry value types (winnt.h) that MS-GPREG 2.2.1 allows.
namespace regtype {
inline constexpr std::uint32_t Sz = 1;
inline constexpr std::uint32_t ExpandSz = 2;
inline constexpr std::uint32_t Binary = 3;
inline constexpr std::uint32_t Dword = 4;
inline constexpr std::uint32_t DwordBigEndian = 5;
inline constexpr std::uint32_t MultiSz = 7;
inline constexpr std::uint32_t Qword = 11;
} // namespace regtype

struct RegistryInstruction {
    std::string key;   // UTF-8, as written ("Software\Policies\...")
    std::string value; // UTF-8, may be empty (creates the key) or a directive ("**del.X")
    std::uint32_t type = 0;
    std::string data;                                         // the raw bytes
    std::size_t offset = 0;                                   // of the instruction's "[" in the file
    [[nodiscard]] std::optional<std::uint32_t> dword() const; // REG_DWORD / REG_DWORD_BIG_ENDIAN of 4 bytes
};

struct RegistryPol {
    std::vector<RegistryInstruction> instructions; // file order
};

// Parses Registry.pol bytes. `label` names the file in errors ("{GUID}/Machine/Registry.pol"); an error
// says what was expected at which byte offset. A file over limits.maxFileSize is rejected. An empty
// body (just the header) is a valid file with no instructions; a zero-length file is not.
Result<RegistryPol> parseRegistryPol(std::string_view bytes, std::string_view label, const PolicyLimits &limits = {});

// "Include command line in process creation events" (Administrative Templates > System > Audit Process
// Creation; AuditSettings.admx): REG_DWORD 1 enables, 0 (or absent) disables.
inline constexpr std::string_view kAuditPolicyKey =
    R"(Software\Microsoft\Windows\CurrentVersion\Policies\System\Audit)";
inline constexpr std::string_view kIncludeCmdLineValue = "ProcessCreationIncludeCmdLine_Enabled";

// What the GPOs' instructions leave in one registry value after all of them are applied.
struct RegistryOutcome {
    enum class Kind { Set, Deleted };
    Kind kind = Kind::Set;
    std::uint32_t type = 0;
    std::string data;
    std::string directive;  // for Deleted: "**del.", "**delvals.", "**DeleteValues", "**DeleteKeys"
    std::size_t index = 0;  // the deciding GPO: its index in the span given to applyRegistryPolicy
    std::size_t offset = 0; // of the deciding instruction
    [[nodiscard]] std::optional<std::uint32_t> dword() const;
};

// Applies the GPOs' instructions, lowest precedence first (nullptr = a GPO without Registry.pol), and
// returns what became of value `value` of key `key` (both compared case-insensitively, as the registry
// does): nullopt when no instruction touched it (not configured).
std::optional<RegistryOutcome> applyRegistryPolicy(std::span<const RegistryPol *const> lowestFirst,
                                                   std::string_view key, std::string_view value);

} // namespace gpaudit::core
