// SPDX-License-Identifier: GPL-2.0-or-later
// SDDL (MS-DTYP 2.5.1), as far as global SACLs need it: the S: part with its audit ACEs. Pure.
#pragma once

#include "core/base/identifiers.hxx"
#include "core/base/result.hxx"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

enum class AceType { Audit, ObjectAudit }; // "AU", "OU"

// ACE flags (MS-DTYP 2.4.4.1).
namespace aceflag {
inline constexpr std::uint8_t ObjectInherit = 0x01;    // OI
inline constexpr std::uint8_t ContainerInherit = 0x02; // CI
inline constexpr std::uint8_t NoPropagate = 0x04;      // NP
inline constexpr std::uint8_t InheritOnly = 0x08;      // IO
inline constexpr std::uint8_t Inherited = 0x10;        // ID
inline constexpr std::uint8_t Critical = 0x20;         // CR
inline constexpr std::uint8_t SuccessfulAccess = 0x40; // SA
inline constexpr std::uint8_t FailedAccess = 0x80;     // FA
} // namespace aceflag

struct Trustee {
    std::string sid;             // canonical SID text; empty when only a domain RID is known
    std::string alias;           // the SDDL alias as written ("WD"), empty when given as a SID
    std::uint32_t domainRid = 0; // for domain-relative aliases (DA, DU...)

    [[nodiscard]] std::string str() const; // alias if any, else SID
    // Equal when they name the same SID ("WD" and "S-1-1-0"), or the same domain-relative alias.
    bool operator==(const Trustee &other) const
    {
        if (!sid.empty() || !other.sid.empty())
            return sid == other.sid;
        return domainRid == other.domainRid;
    }
};

struct Ace {
    AceType type = AceType::Audit;
    std::uint8_t flags = 0;
    std::uint32_t accessMask = 0;
    std::string objectGuid;          // OU only, canonical GUID or empty
    std::string inheritedObjectGuid; // OU only
    Trustee trustee;

    [[nodiscard]] bool auditsSuccess() const { return (flags & aceflag::SuccessfulAccess) != 0; }
    [[nodiscard]] bool auditsFailure() const { return (flags & aceflag::FailedAccess) != 0; }
    // Canonical SDDL text of this ACE, e.g. "(AU;SA;0x1f01ff;;;WD)"; equal ACEs have equal text.
    [[nodiscard]] std::string str() const;
    bool operator==(const Ace &) const = default;
};

struct Sacl {
    std::vector<Ace> aces;
    std::vector<Warning> notes; // ACEs that are valid SDDL but not audit ACEs (ML, SP, RA...), ignored
};

// Parses an SDDL security descriptor string and returns its SACL. A string without an S: part is an
// error (a global SACL setting must carry one). `where` locates the field; columns in errors are
// counted from where.column. Equal ACEs are kept once (MS-GPAC 3.2.5), found by aceIdentity in a hash
// set: linear in the text. More than maxAces distinct audit ACEs is an error naming the limit.
Result<Sacl> parseSacl(std::string_view sddl, const Location &where, std::size_t maxAces = SIZE_MAX);

// A text that is equal for two ACEs exactly when they compare equal (Ace::operator==, where "WD" and
// "S-1-1-0" are the same trustee): the key of the hash sets that take the union of SACLs.
std::string aceIdentity(const Ace &ace);

// Access mask bits used below (MS-DTYP 2.4.3, winnt.h file rights).
namespace access {
inline constexpr std::uint32_t GenericAll = 0x10000000;
inline constexpr std::uint32_t GenericExecute = 0x20000000;
inline constexpr std::uint32_t GenericWrite = 0x40000000;
inline constexpr std::uint32_t GenericRead = 0x80000000;
} // namespace access

} // namespace gpaudit::core
