// SPDX-License-Identifier: GPL-2.0-or-later
// What one sync is, as a value: the one record type of a sync and of the GPOs it considered, the report
// a sync returns, and the events it emits while it runs. Pure data; render.hxx turns it into text and
// JSON, daemon/cli decides exit statuses from it.
//
// Why here (core/report) and as one model: the sync's record was three overlapping structs in three
// layers (host's SyncState in state.yaml, core's DomainSummary for the reports, service's SyncOutcome for
// the programs) and its GPO two (GpoStatus, host's GpoRecord). The record is what state.yaml keeps and
// what every report shows above the policy, so it lives where the renderers are and every layer above
// can name it: host persists a SyncRecord, lib/service returns a SyncReport holding one, the daemon
// renders both. (core::GpoDecision stays in core/gpclient: it is the GP client's working state during
// the decision, with a pointer into the LDAP answers; a GpoRecord is what is kept of it.)
#pragma once

#include "core/linux/apply_plan.hxx"
#include "core/linux/translate.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::core {

// A problem met while reading the GPOs, shown with the report (rejected files, warnings).
struct InputProblem {
    GpoRef gpo;
    bool rejected = false; // the file was ignored as a whole
    std::string message;   // "file:line:col: reason"
};

// One GPO the Group Policy client considered (MS-GPOL 3.2.5.1), with what became of it.
struct GpoRecord {
    std::string guid;
    std::string name;
    std::string som; // where it is linked
    bool enforced = false;
    bool applied = false;
    std::string reason;        // why not applied, or notes
    std::uint32_t version = 0; // computer version used
    bool audit = false;        // lists the audit CSE
    bool security = false;     // lists the security CSE
    std::string status;        // applied GPOs: fetched, cached, kept version N (fetch failed), ...
    bool registry = false;     // lists the registry CSE (Registry.pol)
    bool operator==(const GpoRecord &) const = default;
};

// One sync with the domain as it is kept (state.yaml) and shown above the policy: where the policy came
// from, every GPO considered, the versions applied.
struct SyncRecord {
    std::string time; // UTC, ISO 8601 (time_text.hxx utcText)
    std::string realm;
    std::string machine;
    std::string dc;
    std::string site;
    std::string computerDn;
    std::vector<GpoRecord> gpos; // every GPO considered, in processing order
    struct Applied {
        std::string guid;
        std::string name;
        std::uint32_t version = 0;
        bool operator==(const Applied &) const = default;
    };
    std::vector<Applied> applied; // lowest precedence first
    // How the policy reached this host. "applied": the kernel got it (netlink) and the rules file
    // keeps it. "staged": the kernel's audit configuration was immutable (-e 2); only the rules file
    // has it, in force from the next boot (augenrules). Either way it is the last-known-good.
    std::string mode = "applied";
    // The sync whose policy the kernel was last given (= time when applied; when staged, the time of
    // the policy still in force until reboot, empty when unknown).
    std::string kernelTime;

    bool operator==(const SyncRecord &) const = default;
};

// What an apply did (or would do) to the kernel and the rules file: gpauditctl apply and a sync.
struct ApplySummary {
    ApplyMode mode = ApplyMode::Apply; // Stage: immutable kernel; ReportOnly: report_only
    std::string modeReason;
    bool dryRun = false;
    std::vector<std::string> added;   // rules as text
    std::vector<std::string> removed; // rules as text
    std::size_t unchanged = 0;
    std::size_t moved = 0;                  // held out of the policy's order: deleted and sent again
    std::vector<std::string> foreign;       // wanted rules held by someone else, left alone
    std::vector<std::string> statusChanges; // "-f 2 (was 1)"
    std::size_t netlinkWrites = 0;
    bool rulesFileWritten = false; // (or would be, in a dry run)
    std::string rulesFile;
    std::chrono::microseconds elapsed{0};
};

// How a sync ended. The exit status follows from it (daemon/cli/exit_status.hxx).
enum class SyncResult {
    Ok,            // every GPO fetched and read
    Partial,       // a GPO could not be fetched or a file was rejected: the others apply (MS-GPAC 3.2.5)
    LastKnownGood, // the domain could not be reached: the last applied policy stays in force
    Cached,        // no domain asked: the last applied sync again (gpauditd's start, drift restore)
    Failed,        // nothing changed; `error` says why
    NotJoined,     // gpauditd: this host is not joined to a domain (idle)
};
std::string_view resultKey(SyncResult result); // ok, partial, last-known-good, cached, failed, not joined

struct StageTime {
    std::string name;
    std::chrono::microseconds elapsed{0};
    bool operator==(const StageTime &) const = default;
};

// The wire figures of one sync (LDAP, Kerberos, SMB), for the summary and the benchmarks. The fetch
// (lib/service domain_sync) fills them as it goes; the engine adds its stages and the total.
struct SyncStats {
    std::size_t gposFetched = 0;
    std::size_t gposCached = 0;
    bool newTicket = false;    // a TGT was obtained from the keytab (none cached, or under 10 minutes left)
    std::string ticketExpires; // the machine TGT's end time (UTC)
    std::size_t ldapSearches = 0;
    std::size_t ldapRoundTrips = 0;
    unsigned ssf = 0;
    bool ldapSessionKept = false; // the LDAP session of the previous sync was used (gpauditd)
    // The DC's proof (domain/kerberos.hxx proveDomainController), made when an LDAP session is bound: the
    // address that answered the AS exchange (LDAP went to it), and the DCs passed over and why.
    std::string dcAddress;
    bool dcProved = false;    // this sync made the proof (false: a kept session, proved when it was bound)
    bool dcProofKept = false; // the DC proved with the machine TGT was used (no locator, no proof this sync)
    std::size_t dcChecks = 0;
    std::vector<std::string> dcRefused; // "dc9.gpa.test: did not prove it is a domain controller: ..."
    std::size_t smbFiles = 0;
    std::size_t smbBytes = 0;
    std::size_t fetchWorkers = 0;   // processes that read files at once (0: read by the sync itself)
    std::size_t cacheUnchanged = 0; // GPOs fetched again (--force) the same as cached: not rewritten
    std::vector<StageTime> stages;
    std::chrono::microseconds total{0};

    bool operator==(const SyncStats &) const = default;
};

// What one sync returns: everything the programs show, log or decide from.
struct SyncReport {
    SyncResult result = SyncResult::Failed;
    bool partial = false; // (with Cached too) a file was rejected
    std::string error;    // Failed, NotJoined
    bool dryRun = false;
    SyncRecord record;       // the policy's sync (time, GPO list); dc/site of this sync
    std::string unreachable; // LastKnownGood: why the domain could not be reached
    std::size_t gposApplied = 0;
    std::size_t rules = 0; // the kernel's rules for this policy (with the fast-path exclusions) once planned
    std::optional<ApplySummary> apply;      // as root: what the apply did
    bool applied = false;                   // the kernel was changed or confirmed (not a dry run)
    bool staged = false;                    // mode Stage and not a dry run: the rules file holds the policy
    std::vector<std::string> guardrails;    // what gpauditd.conf's limits changed in the policy
    std::vector<std::string> inForce;       // kernel identities of the rules this sync made the kernel's
    std::vector<std::string> notes;         // warnings of the fetch (a GPO kept at its previous version, ...)
    std::vector<InputProblem> problems;     // rejected files and warnings of the parse
    std::vector<std::string> policyChanges; // GPOs whose version differs from the previous sync
    std::string samba;                      // issue 16: on a Samba AD DC, what its audit logging became
    SyncStats stats;
    // The policy itself (for `sync --json`): present once translated.
    std::optional<Resultant> resultant;
    std::optional<Translation> translation;
};

// What a sync tells while it runs (gpauditctl prints them, gpauditd logs them and passes them to the
// control client). Facts, not text: render.hxx renderSyncEvent() words them.
struct SyncEvent {
    enum class Kind {
        Step,          // a stage begins: `text` what (from the domain adapter, or ours), `number` its ordinal
        LastKnownGood, // the domain could not be reached: `text` why; `time`, `number` GPOs of the policy kept
        Note,          // a fetch warning (`text`)
        Problem,       // a file rejected or a warning while reading it: `gpo`, `rejected`, `text`
        Guardrail,     // gpauditd.conf's limits changed the policy (`text`)
        Applied,       // the kernel was given the policy (or it was staged, or not in report-only): `apply`
        Samba,         // issue 16: a Samba AD DC's audit logging was given the policy: `text` its summary
        Failed,        // the sync failed (`text`); nothing changed
    };
    Kind kind = Kind::Step;
    std::string text;
    std::size_t number = 0;
    std::string time;
    GpoRef gpo;
    bool rejected = false;
    const ApplySummary *apply = nullptr; // Applied

    bool operator==(const SyncEvent &) const = default;

    static SyncEvent of(Kind kind, std::string text = {}, std::size_t number = 0)
    {
        SyncEvent event;
        event.kind = kind;
        event.text = std::move(text);
        event.number = number;
        return event;
    }
};

} // namespace gpaudit::core
