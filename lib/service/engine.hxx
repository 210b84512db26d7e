// SPDX-License-Identifier: GPL-2.0-or-later
// One sync, as gpauditctl (in process) and gpauditd run it: fetch (domain/sync) -> merge -> translate ->
// apply (kernel/apply) -> record the last applied sync. Also the cheap drift check the daemon runs
// between syncs. Output goes to a host::Sink so the same text reaches a terminal or a control client.
#pragma once

#include "core/base/config.hxx"
#include "core/linux/apply_plan.hxx"
#include "core/report/report.hxx"
#include "host/data/rules_data.hxx"
#include "host/state/view.hxx"

#include <chrono>
#include <string>
#include <vector>

namespace gpaudit::service {

// Exit statuses shared by gpauditctl and the control socket; documented in gpauditctl(8).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitPartial = 3;
inline constexpr int kExitLastKnownGood = 4;

struct SyncRequest {
    bool force = false;          // fetch every GPO's files again
    bool dryRun = false;         // change neither the kernel nor state.yaml
    bool json = false;           // summary as JSON
    bool offline = false;        // no domain: apply the last applied sync again from the state directory
    bool quiet = false;          // no summary on `out` (the daemon's background syncs)
    bool keepConnection = false; // gpauditd: the SMB session serves the next sync too
    std::string program = "gpauditctl";
};

struct SyncOutcome {
    int exitCode = kExitFailure;
    std::string result; // ok, partial, last-known-good, failed
    std::string error;  // when failed
    std::string dc;
    std::string site;
    std::string time; // of the policy in force (state.yaml)
    std::vector<core::GpoStatus> gpos;
    std::size_t gposApplied = 0;
    std::size_t gposFetched = 0;
    std::size_t rules = 0; // the kernel's rules for this policy (with the fast-path exclusions) once planned
    std::size_t added = 0;
    std::size_t removed = 0;
    std::size_t unchanged = 0;
    bool applied = false; // the kernel was changed or confirmed (not a dry run, root)
    // Applied; Stage: the kernel is immutable (-e 2), the policy went to the rules file only and takes
    // effect at the next boot; ReportOnly: report_only in gpauditd.conf, nothing was written.
    core::ApplyMode mode = core::ApplyMode::Apply;
    std::string modeReason;
    bool staged = false;                    // mode Stage and not a dry run: the rules file holds the policy
    bool rulesFileWritten = false;          // (not a dry run) the rules file changed
    std::vector<std::string> guardrails;    // what gpauditd.conf's limits changed in the policy
    std::vector<std::string> inForce;       // kernel identities of the rules this sync made the kernel's
    std::vector<std::string> notes;         // warnings: fetch errors, rejected files, unresolved SIDs
    std::vector<std::string> policyChanges; // GPOs whose version differs from the previous sync
    std::string samba;                      // issue 16: on a Samba AD DC, what its audit logging became
    std::chrono::microseconds total{0};
};

SyncOutcome runSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                    const host::ViewSettings &settings, const host::Sink &sink);

// The rules a sync put in force that the kernel no longer holds. Empty when none is missing (or the
// kernel cannot be read, which `error` says). `immutable`: restoring is impossible until reboot.
struct Drift {
    std::vector<std::string> missing;
    std::size_t present = 0;
    std::string error;
    bool immutable = false; // -e 2: nothing can be restored until reboot
};
Drift checkDrift(const std::vector<std::string> &inForce);

} // namespace gpaudit::service
