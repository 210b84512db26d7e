// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16, adapter: a Samba AD DC's audit logging made the resultant policy's. Reads smb.conf, writes
// the include file (atomically; smb.conf itself only with consent, and then only one appended `include =`
// line), and sets the running processes' levels with `smbcontrol -s SMB.CONF all debug LEVELS` (exec
// with an argument vector, no shell), as a diff against `smbcontrol ... all debuglevel`. The decisions
// are core::samba's (pure); this library returns values and never prints.
#pragma once

#include "core/base/result.hxx"
#include "core/linux/mapping.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"
#include "core/samba/audit_conf.hxx"

#include <chrono>
#include <string>
#include <vector>

namespace gpaudit::samba {

struct Options {
    std::string smbConf = "/etc/samba/smb.conf";
    std::string includeFile = "/etc/samba/gpaudit-audit.conf";
    bool addInclude = false;          // samba_add_include: append `include = includeFile` to smb.conf once
    std::string smbcontrol;           // empty: /usr/bin/smbcontrol, else /usr/sbin/smbcontrol
    bool dryRun = false;              // decide and report, write and send nothing
    bool reportOnly = false;          // report_only in gpauditd.conf: the same, said as report-only
    std::vector<std::string> header;  // comment lines at the top of the include file (program, GPOs)
    std::chrono::seconds timeout{10}; // for each smbcontrol run
};

// What the apply did (core/samba/audit_conf.hxx; core/report/render.hxx renderSambaSummary words it).
using Report = core::samba::SambaReport;

// Applies the resultant policy to the host's Samba AD DC, if it is one (Report::dc false otherwise).
// An error is returned only for a broken smb.conf or a failed write; smbcontrol failing (Samba not
// running) is a note: the include file still takes effect at Samba's next start.
Result<Report> apply(const core::Catalog &catalog, const core::Mapping &mapping, const core::Resultant &resultant,
                     const Options &options);

// Runs argv (argv[0] an absolute path) with stdin and stderr on /dev/null, returns its stdout (at most
// 1 MiB) when it exits 0 within the timeout; the child is killed at the timeout.
Result<std::string> run(const std::vector<std::string> &argv, std::chrono::seconds timeout);

} // namespace gpaudit::samba
