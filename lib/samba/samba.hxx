// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16, adapter: a Samba AD DC's audit logging made the resultant policy's, in three steps as the
// kernel's apply (kernel/apply.hxx): readSambaHost (smb.conf, the include file, the running processes'
// levels from `smbcontrol -s SMB.CONF -t 1 all debuglevel`), core::samba::planSambaApply (pure: every
// decision), then executeSambaPlan: the include file written (atomically; smb.conf itself only with
// consent, and then only one appended `include =` line) and the levels set with
// `smbcontrol -s SMB.CONF all debug LEVELS` (exec with an argument vector, no shell). This library
// returns values and never prints.
#pragma once

#include "core/base/result.hxx"
#include "core/samba/apply_plan.hxx"
#include "core/samba/audit_conf.hxx"

#include <chrono>
#include <string>
#include <vector>

namespace gpaudit::samba {

// core's options (paths, consent, dry run, report-only, the include file's header) and how smbcontrol runs.
struct Options : core::samba::SambaApplyOptions {
    std::string smbcontrol;           // empty: /usr/bin/smbcontrol, else /usr/sbin/smbcontrol
    std::chrono::seconds timeout{10}; // for each smbcontrol run
};

// What the apply did (core/samba/audit_conf.hxx; core/report/render.hxx renderSambaSummary words it).
using Report = core::samba::SambaReport;

// Reads what a Samba apply plans from. Beyond smb.conf, only a DC is read (a host that is not one gets no
// smbcontrol run). The running processes' levels cost up to a second (`-t 1`: `all` cannot know how many
// processes will answer), so the sync reads them after the kernel's apply. An error only for a broken
// smb.conf (unreadable, bad syntax, a `log level` Samba would read differently); smbcontrol failing
// (Samba not running) is kept in the snapshot and becomes a note.
Result<core::samba::SambaSnapshot> readSambaHost(const Options &options);

// Carries out core::samba::planSambaApply's plan: the include file, then smb.conf's include line, then
// `smbcontrol all debug` (only what is due). An error only for a failed write (nothing after it is
// done); smbcontrol failing is a note: the include file still takes effect at Samba's next start.
Result<Report> executeSambaPlan(const core::samba::SambaApplyPlan &plan, const Options &options);

// Runs argv (argv[0] an absolute path) with stdin and stderr on /dev/null, returns its stdout (at most
// 1 MiB) when it exits 0 within the timeout; the child is killed at the timeout.
Result<std::string> run(const std::vector<std::string> &argv, std::chrono::seconds timeout);

} // namespace gpaudit::samba
