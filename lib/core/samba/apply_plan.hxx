// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16: one apply to a Samba AD DC's audit logging, decided before anything is written. Pure.
// It goes down once, as the kernel's apply does (core/linux/apply_plan.hxx): the Samba adapter reads what
// smb.conf, the include file and the running processes hold (samba::readSambaHost -> SambaSnapshot),
// planSambaApply decides everything (SambaApplyPlan: the include file's text and whether it is due, the
// include line smb.conf gets with consent, the levels sent, the report), the adapter carries the plan out
// (samba::executeSambaPlan: the writes and `smbcontrol all debug`, nothing else).
#pragma once

#include "core/base/result.hxx"
#include "core/linux/mapping.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"
#include "core/samba/audit_conf.hxx"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::core::samba {

// What a Samba apply plans from and where it writes (lib/samba's Options add how smbcontrol runs).
struct SambaApplyOptions {
    std::string smbConf = "/etc/samba/smb.conf";
    std::string includeFile = "/etc/samba/gpaudit-audit.conf";
    bool addInclude = false;         // samba_add_include: append `include = includeFile` to smb.conf once
    bool dryRun = false;             // decide and report, write and send nothing
    bool reportOnly = false;         // report_only in gpauditd.conf: the same, said as report-only
    std::vector<std::string> header; // comment lines at the top of the include file (program, GPOs)
};

// What the host holds when a Samba apply begins, read once by the adapter (samba::readSambaHost). Only a
// DC is read beyond smb.conf: no include file, no smbcontrol on a host that is not one.
struct SambaSnapshot {
    bool smbConfFound = false; // false: no smb.conf, so not a Samba AD DC
    std::string smbConfText;   // as read (the include line is appended to it)
    std::uint32_t smbConfMode = 0644;
    std::uint32_t smbConfUid = 0;
    std::uint32_t smbConfGid = 0;
    SmbConf conf;                           // parsed (parseSmbConf)
    DebugLevels admin;                      // [global] log level, parsed (adminLevels); a DC only
    std::optional<std::string> includeText; // the include file now; none: missing or unreadable
    std::optional<std::string> debuglevel;  // `smbcontrol ... all debuglevel`'s answer; none: it failed
    std::string debuglevelError;            // why it failed
    std::chrono::microseconds elapsed{0};   // the read's time (part of the report's)
};

// The administrator's `log level` of a parsed smb.conf (none: level 0 everywhere); an error names the
// file (label) and the line.
Result<DebugLevels> adminLevels(const SmbConf &conf, std::string_view label);

// Everything one Samba apply does. Nothing is due in a dry run or report-only (the report says what
// would be).
struct SambaApplyPlan {
    SambaReport report; // as the apply ends, but for its notes on failed writes and its elapsed time
    std::string includeFile;
    std::string includeContent;
    bool includeDue = false; // write includeContent to includeFile (atomically, 0644)
    std::string smbConf;
    std::string smbConfContent; // smb.conf with the include line appended
    bool smbConfDue = false;    // write smbConfContent, keeping smb.conf's mode and owner:
    std::uint32_t smbConfMode = 0644;
    std::uint32_t smbConfUid = 0;
    std::uint32_t smbConfGid = 0;
    std::string levels;   // the `log level` the running processes are set to (merged)
    bool sendDue = false; // send `smbcontrol all debug levels`
};

// Pure: the whole Samba apply from the resultant policy and the snapshot.
// - Not a DC (no smb.conf, another server role): nothing, report.skipped says why.
// - The include file: written when its text differs (or it is missing); Samba reads it at its next start.
// - smb.conf includes it already, or gets one appended `include =` line with the administrator's consent
//   (addInclude); otherwise a note says the levels hold only until Samba restarts.
// - The running processes: a diff against their live levels; sent only when an audit class differs from
//   the merged level (the administrator's levels, raised to the policy's, never lowered: merge()).
SambaApplyPlan planSambaApply(const Catalog &catalog, const Mapping &mapping, const Resultant &resultant,
                              const SambaSnapshot &held, const SambaApplyOptions &options);

// The include line appended to smb.conf: a [global] section of its own at the end, so it is global
// whatever section the file ended in, and read after the administrator's own `log level`.
std::string includeHook(const std::string &includeFile);

} // namespace gpaudit::core::samba
