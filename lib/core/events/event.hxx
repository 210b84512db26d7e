// SPDX-License-Identifier: GPL-2.0-or-later
// One Linux audit event (the records the kernel or user space wrote under one serial), as a value:
// what classification and Windows rendering need, nothing read from the system. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core::events {

// (uid_t)-1: the kernel's "unset" (auid of daemons started at boot, ses outside a login session).
inline constexpr std::uint32_t kUnsetId = 4294967295U;

struct AuditEvent {
    // audit(SECONDS.MILLISECONDS:SERIAL)
    std::int64_t seconds = 0;
    std::uint32_t milliseconds = 0;
    std::uint64_t serial = 0;
    std::string node; // node= of auditd's name_format, or empty

    // "SYSCALL" for an event of a syscall rule or watch; otherwise the type of its first record
    // (USER_LOGIN, CONFIG_CHANGE, ANOM_ABEND...).
    std::string recordType;
    std::vector<std::string> otherRecordTypes; // the types of its other records, first seen order, unique
    std::string syscall;                       // the syscall's name ("execve"), empty for record-only events
    std::string arch;                          // "b64" or "b32" (the -F arch= value), empty when unknown
    std::optional<bool> success;               // SYSCALL success=, or res= of user records
    std::optional<std::int64_t> exit;          // SYSCALL exit= (negative errno on failure)
    std::array<std::uint64_t, 4> args{};       // a0..a3
    std::vector<std::string> keys;             // the key field, split at 0x01 (see splitKeys)

    std::uint32_t pid = 0;
    std::uint32_t ppid = 0;
    std::uint32_t uid = kUnsetId;
    std::uint32_t euid = kUnsetId;
    std::uint32_t gid = kUnsetId;
    std::uint32_t egid = kUnsetId;
    std::uint32_t auid = kUnsetId;
    std::uint32_t ses = kUnsetId;
    std::string exe; // the process's image (after a successful execve: the new one)
    std::string comm;
    std::string cwd;
    std::vector<std::string> paths;        // PATH records' names, made absolute with cwd, lexically normal
    std::optional<std::uint32_t> objUid;   // ouid of the first PATH record
    std::vector<std::uint64_t> pathInodes; // inode= of the PATH records, in their order (0: none)
    std::vector<std::string> argv;         // EXECVE arguments

    // User-space records (USER_LOGIN, USER_START...; pid/uid/auid/ses above come from them too when the
    // event has no SYSCALL record): the message's acct=, addr=, hostname=, terminal= and exe=.
    std::string account, address, remoteHost, terminal, program;
    // The fields of the event's own record when it is not a syscall's (the first record other than
    // SYSCALL, EXECVE, PATH, CWD, PROCTITLE): USER_START's acct, exe, hostname, addr, terminal;
    // CONFIG_CHANGE's op, key, list; ADD_USER's id; TIME_INJOFFSET's sec, nsec... Values decoded, in
    // record order, the first of a name kept; bounded (kMaxRecordFields, kMaxFieldValue).
    std::vector<std::pair<std::string, std::string>> recordFields;
    [[nodiscard]] std::string_view field(std::string_view name) const; // "" when absent
};

inline constexpr std::size_t kMaxRecordFields = 64;
inline constexpr std::size_t kMaxFieldValue = 4096;

// The kernel's key field: keys joined by 0x01 (AUDIT_KEY_SEPARATOR); "(null)" or empty = no key.
std::vector<std::string> splitKeys(std::string_view raw);

// "/a/./b//c/../d" -> "/a/b/d"; a relative path is joined to cwd first (when cwd is absolute). No
// file system access: symbolic links are not followed (the kernel's PATH names are not resolved either).
std::string normalPath(std::string_view path, std::string_view cwd = {});

} // namespace gpaudit::core::events
