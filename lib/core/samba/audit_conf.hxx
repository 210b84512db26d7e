// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16: the resultant audit policy of a Samba AD DC as Samba's own audit logging. Pure: smb.conf
// text in, the `log level` string, the include file's text and the drift verdict out.
//
// Samba's audit classes (smb.conf(5), "log level"; Samba 4.17 source: auth/auth_log.c,
// source4/dsdb/samdb/ldb_modules/audit_log.c, group_audit.c) log JSON records at fixed levels, and a
// class's level is a threshold: at level N it logs every record of level <= N.
//   auth_json_audit   2 authentication failures, 3 + successes, 4 + authorizations, 5 + anonymous
//   dsdb_json_audit   5 every directory change (with its status: failures too), replicated batches
//   dsdb_password_json_audit 5, dsdb_group_json_audit 5 (successful changes)
//   dsdb_transaction_json_audit 5 rollbacks and failed commits, 10 + every commit
// So Failure alone of an authentication subcategory is exact (level 2); Success needs level 3, which
// logs failures as well (shown as coarse in `gpauditctl mapping`). Which classes and levels each
// subcategory needs is data: rules/mapping.yaml, "samba:" (core/linux/mapping.hxx, SambaRealisation).
#pragma once

#include "core/base/result.hxx"
#include "core/linux/mapping.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core::samba {

// Samba's debug levels are 0..10 (lib/util/debug.c clamps nothing; we refuse more than this).
inline constexpr int kMaxDebugLevel = 10;
// The audit classes gpaudit sets; no other class is ever raised by a GPO.
inline constexpr std::string_view kAuditClasses[] = {"auth_audit",
                                                     "auth_json_audit",
                                                     "dsdb_audit",
                                                     "dsdb_json_audit",
                                                     "dsdb_password_audit",
                                                     "dsdb_password_json_audit",
                                                     "dsdb_group_audit",
                                                     "dsdb_group_json_audit",
                                                     "dsdb_transaction_audit",
                                                     "dsdb_transaction_json_audit"};
[[nodiscard]] bool isAuditClass(std::string_view name);

// A `log level` value: "1 auth:3 full_audit:1@/var/log/audit.log" (lib/util/debug.c,
// debug_parse_levels: a leading number is the level of every class; each class:level[@file]).
struct DebugLevels {
    int all = 0;
    std::map<std::string, int, std::less<>> classes;
    std::map<std::string, std::string, std::less<>> files; // class -> @file
    [[nodiscard]] int level(std::string_view name) const;  // the class's own level, else all
    [[nodiscard]] std::string str() const;                 // canonical text, classes sorted
    bool operator==(const DebugLevels &) const = default;
};
// Refuses what Samba would read differently or we could not write back safely: a class name that is not
// [a-z0-9_], a level outside 0..10, a file with a space or control character.
Result<DebugLevels> parseDebugLevels(std::string_view text, std::string_view label);

// What matters of smb.conf here: [global]'s server role, log level, includes (in order).
struct SmbConf {
    std::string serverRole;              // as written
    bool adDc = false;                   // server role = active directory domain controller (or its synonyms)
    std::optional<std::string> logLevel; // [global] log level / debuglevel / debug level, last one
    std::size_t logLevelLine = 0;
    std::vector<std::string> includes; // `include =` values, in order, from any section
};
// smb.conf syntax (smb.conf(5), FILE FORMAT): [section] lines, "name = value", '#' and ';' comments,
// a trailing backslash continues a line; names are case-insensitive and spaces in them do not count.
Result<SmbConf> parseSmbConf(std::string_view text, std::string_view label);
[[nodiscard]] bool isAdDcRole(std::string_view role);

// One subcategory's part of the plan, for show and the include file's comments.
struct PlanLine {
    std::size_t subcategory = 0;    // catalog index
    std::uint8_t value = 0;         // the resultant setting
    std::vector<std::string> needs; // "auth_json_audit:3"
    std::string note;               // coarse: what Samba logs beyond the setting, or leaves out
};

struct SambaPlan {
    std::map<std::string, int, std::less<>> levels; // class -> least level the policy needs (0 = none)
    std::vector<PlanLine> lines;                    // every subcategory with a Samba realisation that is set
};
// Success takes the subcategory's "success" levels, Failure its "failure" levels, both the higher of
// each class; No Auditing and Not Configured need nothing. The result never lowers a level (merge()).
SambaPlan translate(const Catalog &catalog, const Mapping &mapping, const Resultant &resultant);

// The administrator's own `log level` with every class the plan needs raised to it, never lowered
// (a GPO may add auditing, never take the administrator's logging away).
DebugLevels merge(const DebugLevels &admin, const SambaPlan &plan);

// The include file smb.conf reads: a [global] section with one `log level` line; every other line a
// comment made with displayText (nothing from a GPO reaches it but subcategory names and our levels).
std::string renderInclude(const Catalog &catalog, const DebugLevels &merged, const SambaPlan &plan,
                          const std::vector<std::string> &header);

// `smbcontrol all debuglevel` answers one line per process: "PID 123: all:0 tdb:0 ... auth_json_audit:3".
struct ProcessLevels {
    std::uint32_t pid = 0;
    DebugLevels levels;
};
std::vector<ProcessLevels> parseDebuglevelAnswer(std::string_view text);

// Drift: the processes whose live level of a class is below what the plan needs ("pid 12546:
// auth_json_audit 0 < 3"). Empty when none.
std::vector<std::string> drift(const std::vector<ProcessLevels> &live, const SambaPlan &plan);

// What an apply did to a Samba AD DC's audit logging (planSambaApply decides it, lib/samba's
// samba::execute returns it; render.hxx renderSambaSummary words it for the sync's output).
struct SambaReport {
    bool dc = false;     // smb.conf says server role = active directory domain controller
    std::string skipped; // why nothing was done: not a DC, no smb.conf
    SambaPlan plan;
    std::string levels;             // the `log level` in force after this (the merged one)
    bool includeChanged = false;    // the include file was (or would be) written
    bool hooked = false;            // smb.conf includes the file (already, or appended now)
    bool hookAdded = false;         // the include line was (or would be) appended now
    std::size_t processes = 0;      // Samba processes that answered smbcontrol
    std::vector<std::string> drift; // live levels below the plan's before this apply
    bool sent = false;              // smbcontrol debug was (or would be) sent
    bool wouldOnly = false;         // dry run or report-only: nothing was written or sent
    std::vector<std::string> notes; // warnings (not kept across restarts, smbcontrol failed...)
    std::chrono::microseconds elapsed{0};
};

} // namespace gpaudit::core::samba
