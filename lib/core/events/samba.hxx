// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16: Samba AD DC JSON audit records rendered as the Windows Security events a Windows DC writes
// for the same activity. Pure: one line of text in, events out.
//
// Samba writes its audit records as one JSON object per line, after a header line in its log file
// ("[2026/12/02 01:46:36.380765,  3] ../../auth/auth_log.c:...") or after the syslog/journal prefix;
// every line whose JSON object has "timestamp" and "type" is read, any other line is skipped. Types
// (Samba 4.17: auth/auth_log.c, source4/dsdb/samdb/ldb_modules/audit_log.c, group_audit.c):
//   Authentication  KDC: 4768 (TGT granted, or refused with its Kerberos status), 4771 (pre-auth
//                   failed); other services (NTLM, simple binds, password changes): 4776
//   Authorization   a Kerberos (krb5) session accepted by a service: 4769, approximate (no TGS record)
//   dsdbChange      4662 (any status), and with success: 5136 per attribute value, 5137, 5139, 5141;
//                   users 4720/4722/4725/4726/4738, computers 4741/4742/4743, groups 4727.../4744...
//   passwordChange  Samba's own eventId (4723 change, 4724 reset)
//   groupChange     Samba's own eventId (4728/4729, 4732/4733, 4756/4757, 4746/4747, 4751/4752, 4761/4762)
//   replicatedUpdate 4933
// What Samba's record does not carry (the object's GUID, a deleted object's class, names for SIDs not
// seen in the stream, ticket options) is filled approximately and said so in the event's
// "Linux": {"Note": ...}; see gpauditctl(8), SAMBA.
#pragma once

#include "core/events/windows.hxx"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core::events {

// Bounds: a line longer than this is skipped (Samba truncates attribute values at 1 KiB, so a real
// record is far smaller); the stream memory below forgets everything past this many entries.
inline constexpr std::size_t kMaxSambaLine = 1U << 20;
inline constexpr std::size_t kMaxSambaMemory = 100000;

class SambaRenderer {
  public:
    explicit SambaRenderer(std::string computer) : computer_(std::move(computer)) {}

    // The Windows events of the audit record on this line; none for any other line. lineNumber is
    // the event's EventRecordID.
    std::vector<WindowsEvent> line(std::string_view text, std::uint64_t lineNumber);

    [[nodiscard]] std::uint64_t records() const { return records_; } // audit records read so far

    // What the stream told about an object or an account, for later records that do not carry it.
    struct ObjectInfo {
        std::string objectClass; // "user", "computer", "group", ...
        std::int64_t groupType = 0;
    };
    struct AccountInfo {
        std::string name;
        std::string domain;
    };

  private:
    std::string computer_;
    std::uint64_t records_ = 0;
    std::map<std::string, ObjectInfo, std::less<>> objects_;   // by lower-case DN
    std::map<std::string, AccountInfo, std::less<>> accounts_; // by SID
};

// "2026-12-02T01:46:36.380765+0000" -> seconds since the epoch (UTC) and milliseconds; false when not.
bool parseSambaTimestamp(std::string_view text, std::int64_t &seconds, std::uint32_t &milliseconds);

// NT_STATUS_* names Samba writes -> the NTSTATUS value Windows shows ("0xc000006a"); "0x0" for OK.
std::string ntStatusCode(std::string_view name);

// Slug of the subcategory a Windows account-management event belongs to (4728 -> security-group-management).
std::string_view slugOfEventId(std::uint32_t eventId);

} // namespace gpaudit::core::events
