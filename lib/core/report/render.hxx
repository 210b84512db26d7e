// SPDX-License-Identifier: GPL-2.0-or-later
// Every report gpaudit shows, as text for people and JSON for programs, in one place: pure functions
// from values (report.hxx, the resultant policy) to strings. The layout of the resultant policy is
// `auditpol /get /category:*`'s. No program prints anything that is not made here or in daemon/.
#pragma once

#include "core/base/json.hxx"
#include "core/linux/audit_state.hxx"
#include "core/linux/mapping.hxx"
#include "core/linux/translate.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"
#include "core/report/report.hxx"
#include "core/samba/audit_conf.hxx"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

struct ReportInput {
    const Catalog &catalog;
    const Mapping &mapping;
    const Resultant &resultant;
    const Translation &translation;
    const std::vector<InputProblem> &problems;
    const SyncRecord *domain = nullptr; // set for a policy read from the domain
    std::string_view unreachable = {};  // the last-known-good: why the domain could not be reached
};

// The GPO list as text: "applied"/"skipped" with the reason, in processing order, under the domain,
// computer, DC and site of the sync.
std::string renderGpoList(const SyncRecord &record, std::string_view unreachable = {});

std::string renderShowText(const ReportInput &input);
Json showJson(const ReportInput &input);
std::string renderShowJson(const ReportInput &input); // showJson, dumped, with a final newline

// "error: GPO: message" / "warning: GPO: message" (a message line, no program prefix).
std::string renderProblem(const InputProblem &problem);

// The message lines of one sync event (no program prefix, no newline). `json`: the summary is
// JSON, so the apply line (which the JSON carries) is left out.
std::vector<std::string> renderSyncEvent(const SyncEvent &event, std::string_view program, bool json);

// The summary of a sync: text (a line, the wire figures, the times, the GPO list) or JSON (with the
// policy as `show --json` has it, when translated).
std::string renderSyncText(const SyncReport &report);
std::string renderSyncJson(const SyncReport &report, const Catalog &catalog, const Mapping &mapping);

// Issue 16: what a sync did to a Samba AD DC's audit logging, one line for the sync's output
// ("samba: log level ...; 12 subcategories; include file written; ...").
std::string renderSambaSummary(const samba::SambaReport &report);

// An apply's summary line: "added 3, removed 1, unchanged 40; 4 netlink writes; wrote FILE; 2.1 ms"
// (staged or report-only said first; "would" in a dry run or where nothing is sent to the kernel).
std::string renderApplyLine(const ApplySummary &apply);
// gpauditctl apply's standard output: "+ rule" / "- rule", the rules left alone, the status changes,
// then the summary line.
std::string renderApplyText(const ApplySummary &apply);

// The comments at the top of the rules file: who made it, for what, from which GPOs.
std::vector<std::string> rulesFileHeader(std::string_view program, std::string_view version, std::string_view arch,
                                         const std::vector<GpoInput> &inputs, const SyncRecord *domain);

// gpauditctl status without gpauditd: the last applied sync from the state directory (or why there
// is none) and the kernel's audit state (or why it cannot be read).
struct OfflineStatus {
    std::string socket;               // where nothing listens
    const SyncRecord *last = nullptr; // the last applied sync, if any
    std::string lastError;            // why there is none
    std::string rulesFile;
    const AuditState *kernel = nullptr; // the kernel's audit state, if read
    std::size_t rulesInKernel = 0;
    std::string kernelError; // why not
};
std::string renderOfflineStatusText(const OfflineStatus &status);
std::string renderOfflineStatusJson(const OfflineStatus &status);

// gpauditctl status answered by gpauditd: what the daemon knows, as values (times as UTC text, spans
// in whole seconds); text for people, JSON for programs.
struct DaemonStatus {
    std::string version;
    long pid = 0;
    std::string since; // when gpauditd started
    std::string socket;
    const SyncRecord *state = nullptr; // state.yaml: the policy in force, if any
    std::string notJoined;             // why gpauditd idles (not joined to a domain); empty: joined
    std::chrono::seconds retryMax{0};  // how often an idle gpauditd looks again
    bool reportOnly = false;           // report_only in gpauditd.conf
    ApplyMode mode = ApplyMode::Apply; // how the last sync reached the kernel
    std::string modeReason;            // why it was staged
    std::string rulesFile;
    std::vector<std::string> guardrails; // what gpauditd.conf's limits changed in the policy in force
    std::size_t rulesInForce = 0;
    const AuditState *kernel = nullptr; // the kernel's audit state, if read
    std::string kernelError;            // why not
    std::size_t syncs = 0;
    const SyncReport *last = nullptr; // the last sync that ran (any result)
    std::string lastTime;
    int lastExitCode = 0; // the exit status gpauditctl sync would have had (daemon/cli decides it)
    struct Running {
        std::string since;
        std::chrono::seconds elapsed{0};
        std::optional<long> requestedBy; // the pid of the client that asked; none: a refresh
        std::string stage;               // its last stage line
    };
    std::optional<Running> running;
    std::size_t waiting = 0; // syncs queued after the running one
    // What gpauditd keeps between syncs until idle (the LDAP session; libsmbclient's context or fetch
    // workers); none while a sync runs.
    std::optional<bool> ldapSessionKept;
    std::optional<bool> smbKept;
    std::chrono::seconds nextSyncIn{0};
    std::string nextSyncAt;
    std::chrono::seconds fullReapplyIn{0};
    std::string fullReapplyAt;
    unsigned failures = 0; // in a row
    std::string lastError;
    std::string lastErrorTime;
    std::size_t controlWaiting = 0; // connections waiting for their request
    std::size_t controlDropped = 0;
    std::size_t driftRestored = 0;
    bool recordsWatched = false; // CONFIG_CHANGE records watched
    std::string watchError;      // why not
    std::chrono::seconds driftCheckEvery{0};
    struct Drift {
        std::string time;
        std::size_t missing = 0;
        std::size_t expected = 0;
        std::string by; // "auid=0 (root) ses=3", or "unknown"
        std::string result;
        std::chrono::microseconds took{0};
    };
    std::vector<Drift> drifts; // the last ones, oldest first
};
// The mode line: applied, staged (and why, where the policy is) or report-only.
std::string daemonModeText(const DaemonStatus &status);
std::string renderDaemonStatusText(const DaemonStatus &status);
std::string renderDaemonStatusJson(const DaemonStatus &status);
// gpauditd's state in one line for systemd (sd_notify STATUS=, systemctl status): idle, syncing, starting,
// or the last sync and the next. Escaped: a line break would be another sd_notify assignment.
std::string renderDaemonStatusLine(const DaemonStatus &status);

// What every subcategory becomes on Linux, or why it does not: a table, and the gpaudit-mapping(7)
// page (generated from the same data at build time, so the two cannot drift).
std::string renderMappingText(const Catalog &catalog, const Mapping &mapping);
std::string renderMappingMan(const Catalog &catalog, const Mapping &mapping, std::string_view version);

} // namespace gpaudit::core
