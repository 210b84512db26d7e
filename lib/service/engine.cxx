// SPDX-License-Identifier: GPL-2.0-or-later
#include "service/engine.hxx"

#include "core/base/text.hxx"
#include "core/linux/guardrails.hxx"
#include "domain/sync.hxx"
#include "host/files/files.hxx"
#include "host/state/state.hxx"
#include "kernel/apply.hxx"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/file.h>
#include <unistd.h>

namespace gpaudit::service {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::microseconds since(Clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

std::string millis(std::chrono::microseconds us, const char *format = "%.1f ms")
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, format, static_cast<double>(us.count()) / 1000.0);
    return buffer;
}

core::DomainSummary summaryOf(const domain::DomainPolicy &policy)
{
    core::DomainSummary summary;
    summary.realm = policy.state.realm.empty() ? policy.identity.realm : policy.state.realm;
    summary.machine = policy.state.machine.empty() ? policy.identity.machine : policy.state.machine;
    summary.dc = policy.state.dc;
    summary.site = policy.state.site;
    summary.computerDn = policy.state.computerDn;
    summary.time = policy.state.time;
    summary.gpos = policy.state.gpos;
    summary.lastKnownGood = policy.lastKnownGood;
    summary.unreachable = policy.unreachable;
    return summary;
}

SyncOutcome failed(SyncOutcome outcome, const std::string &error, const host::Sink &sink)
{
    sink.err(error);
    outcome.exitCode = kExitFailure;
    outcome.result = "failed";
    outcome.error = error;
    return outcome;
}

} // namespace

SyncOutcome runSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                    const host::ViewSettings &settings, const host::Sink &sink)
{
    SyncOutcome outcome;
    const bool root = ::geteuid() == 0;
    if (!request.dryRun && !root)
        return failed(std::move(outcome),
                      "sync changes the kernel's audit rules and must run as root (or use --dry-run)", sink);
    const auto started = Clock::now();
    // One sync at a time per state directory (gpauditd and a one-shot gpauditctl sync): an advisory
    // lock on STATE_DIR/lock, held until the sync ends. No lock, no sync.
    auto lock = host::makeDirectories(config.stateDir, 0700).and_then([&] {
        return host::lockFile(config.stateDir + "/lock");
    });
    if (!lock)
        return failed(std::move(outcome), "cannot take the state directory's lock: " + lock.error().str(), sink);
    const auto previous = host::readSyncState(config.stateDir);

    std::size_t stage = 0;
    auto progress = [&](const std::string &line) { sink.err("[" + std::to_string(++stage) + "] " + line); };
    Result<domain::DomainPolicy> policy;
    if (request.offline) {
        progress("cached: the last applied sync from " + config.stateDir);
        policy = domain::loadLastApplied(data.catalog, config.stateDir, config.limits);
    } else {
        domain::SyncOptions syncOptions;
        syncOptions.config = config;
        syncOptions.force = request.force;
        syncOptions.keepConnection = request.keepConnection;
        syncOptions.progress = progress;
        policy = domain::fetchDomainPolicy(data.catalog, syncOptions);
    }
    if (!policy)
        return failed(std::move(outcome), "sync: " + policy.error().str(), sink);
    if (policy->lastKnownGood)
        sink.err("the domain could not be reached: " + policy->unreachable + "\n" + request.program +
                 ": the last-known-good policy of " + policy->state.time + " (" +
                 std::to_string(policy->state.applied.size()) + " GPOs) stays in force");
    for (const auto &note : policy->notes) {
        sink.err("warning: " + note);
        outcome.notes.push_back(note);
    }
    host::reportProblems(policy->loaded.problems, sink);
    for (const auto &problem : policy->loaded.problems)
        outcome.notes.push_back(problem.gpo.str() + ": " + problem.message);

    host::Prepared prepared;
    if (auto ok = host::prepareTranslation(settings, &config, prepared); !ok)
        return failed(std::move(outcome), ok.error().str(), sink);
    const auto summary = summaryOf(*policy);
    const auto translateStart = Clock::now();
    progress("translate: merging " + std::to_string(policy->loaded.inputs.size()) + " GPOs");
    const auto resultant = core::merge(data.catalog, policy->loaded.inputs, prepared.legacy);
    auto translation = core::translate(data.catalog, data.mapping, resultant, prepared.translate);
    if (!translation)
        return failed(std::move(outcome), translation.error().str(), sink);
    // gpauditd.conf's limits on what a GPO may do here, and the invariant that none can turn auditing off.
    auto limited = core::enforceGuardrails(*translation, config.guardrails, data.mapping);
    if (!limited)
        return failed(std::move(outcome), limited.error().str(), sink);
    for (const auto &change : *limited)
        sink.err("guardrail: " + change);
    outcome.guardrails = std::move(*limited);
    policy->stages.push_back({"translate", since(translateStart)});

    outcome.rules = translation->rules.size();
    if (root) {
        const auto applyStart = Clock::now();
        progress("apply: " + std::to_string(translation->rules.size()) + " rules" +
                 (request.dryRun ? " (dry run)" : ""));
        auto netlink = kernel::AuditNetlink::open();
        if (!netlink)
            return failed(std::move(outcome), "apply: " + netlink.error().str(), sink);
        kernel::ApplyOptions applyOptions;
        applyOptions.mapping = &data.mapping;
        if (const auto *abis = data.mapping.platform(prepared.translate.machine))
            applyOptions.abis = *abis;
        applyOptions.dryRun = request.dryRun;
        applyOptions.reportOnly = config.guardrails.reportOnly;
        applyOptions.rulesFile = config.rulesFile;
        applyOptions.headerComments =
            host::rulesHeader(request.program, prepared.translate.machine, policy->loaded.inputs, &summary);
        auto report = kernel::apply(*netlink, *translation, applyOptions);
        if (!report)
            return failed(std::move(outcome), "apply: " + report.error().str(), sink);
        policy->stages.push_back({"apply", since(applyStart)});
        outcome.mode = report->mode;
        outcome.modeReason = report->modeReason;
        const bool staging = report->mode == core::ApplyMode::Stage;
        // Stage and report-only change nothing in the kernel: their lists say what would change.
        const bool would = request.dryRun || report->mode != core::ApplyMode::Apply;
        std::string line;
        if (report->mode == core::ApplyMode::ReportOnly)
            line = "report-only: ";
        else if (staging)
            line = std::string(request.dryRun ? "would stage" : "staged") + ", takes effect at the next boot: ";
        line += std::string(would ? "would add " : "added ") + std::to_string(report->added.size()) + ", " +
                (would ? "would remove " : "removed ") + std::to_string(report->removed.size()) + ", unchanged " +
                std::to_string(report->unchanged) + "; " + std::to_string(report->netlinkWrites) + " netlink writes";
        if (report->rulesFileWritten)
            line += std::string("; ") + (request.dryRun ? "would write " : "wrote ") + config.rulesFile;
        if (report->mode != core::ApplyMode::Apply)
            sink.err(report->modeReason);
        for (const auto &rule : report->foreign)
            sink.err("(already in the kernel as another's rule, left alone) " + rule);
        for (const auto &change : report->statusChanges)
            sink.err(std::string(staging ? "at the next boot: " : would ? "would " : "") + "set " + change);
        if (!request.json)
            sink.err(line + "; " + millis(report->elapsed));
        outcome.rules = report->identities.size(); // the translation's rules and the fast-path exclusions
        outcome.added = report->added.size();
        outcome.removed = report->removed.size();
        outcome.unchanged = report->unchanged;
        outcome.applied = !request.dryRun && report->mode == core::ApplyMode::Apply;
        outcome.staged = !request.dryRun && staging;
        outcome.rulesFileWritten = !request.dryRun && report->rulesFileWritten;
        if (outcome.applied)
            outcome.inForce = std::move(report->identities);
        // Record what is now in force or staged: the next show reads it, and it is the last-known-good
        // (the rules file has it either way). A cached reapply records only a change of mode (the
        // staged policy found in force after the reboot).
        auto state = policy->state;
        state.mode = outcome.staged ? "staged" : "applied";
        state.kernelTime = outcome.applied ? state.time : previous ? previous->kernelTime : std::string();
        const bool modeChanged = previous && previous->mode != state.mode;
        if ((outcome.applied || outcome.staged) && !policy->lastKnownGood && (!request.offline || modeChanged)) {
            if (auto ok = host::writeSyncState(config.stateDir, state); !ok)
                return failed(std::move(outcome), ok.error().str(), sink);
            if (!request.offline)
                host::pruneCache(config.stateDir, policy->state.applied);
        }
    }
    outcome.total = since(started);
    outcome.dc = policy->dc.empty() ? policy->state.dc : policy->dc;
    outcome.site = policy->site.empty() ? policy->state.site : policy->site;
    outcome.time = policy->state.time;
    outcome.gpos = summary.gpos;
    for (const auto &g : summary.gpos)
        outcome.gposApplied += g.applied ? 1 : 0;
    outcome.gposFetched = policy->gposFetched;
    if (previous && !request.offline && !policy->lastKnownGood) {
        std::set<std::pair<std::string, std::uint32_t>> before;
        for (const auto &a : previous->applied)
            before.emplace(a.guid, a.version);
        for (const auto &a : policy->state.applied)
            if (!before.contains({a.guid, a.version}))
                outcome.policyChanges.push_back(a.name + " " + a.guid + " version " + std::to_string(a.version));
    }
    const bool partial = policy->fetchErrors || policy->loaded.anyRejected();
    outcome.result = request.offline         ? "cached"
                     : policy->lastKnownGood ? "last-known-good"
                     : partial               ? "partial"
                                             : "ok";
    outcome.exitCode = policy->lastKnownGood ? kExitLastKnownGood : partial ? kExitPartial : kExitOk;
    if (request.quiet)
        return outcome;

    if (request.json) {
        std::string out =
            "{\"result\": \"" + outcome.result + "\", \"dryRun\": " + (request.dryRun ? "true" : "false") +
            ", \"mode\": \"" + std::string(core::modeKey(outcome.mode)) + "\", \"modeReason\": \"" +
            core::jsonEscape(outcome.modeReason) + "\"" + ", \"dc\": \"" + core::jsonEscape(outcome.dc) +
            "\", \"site\": \"" + core::jsonEscape(outcome.site) +
            "\", \"gposConsidered\": " + std::to_string(summary.gpos.size()) +
            ", \"gposApplied\": " + std::to_string(outcome.gposApplied) +
            ", \"gposFetched\": " + std::to_string(policy->gposFetched) +
            ", \"gposCached\": " + std::to_string(policy->gposCached) +
            ", \"kerberos\": {\"newTicket\": " + (policy->newTicket ? "true" : "false") + ", \"expires\": \"" +
            core::jsonEscape(policy->ticketExpires) + "\"}" +
            ", \"ldap\": {\"searches\": " + std::to_string(policy->ldapSearches) +
            ", \"roundTrips\": " + std::to_string(policy->ldapRoundTrips) +
            ", \"ssf\": " + std::to_string(policy->ssf) +
            ", \"sessionKept\": " + (policy->ldapSessionKept ? "true" : "false") + ", \"address\": \"" +
            core::jsonEscape(policy->dcAddress) + "\", \"dcProved\": " + (policy->dcProved ? "true" : "false") +
            ", \"dcChecks\": " + std::to_string(policy->dcChecks) + ", \"dcRefused\": [" +
            [&] {
                std::string list;
                for (const auto &r : policy->dcRefused)
                    list += (list.empty() ? "\"" : ", \"") + core::jsonEscape(r) + "\"";
                return list;
            }() +
            "]" + "}, \"smb\": {\"files\": " + std::to_string(policy->smbFiles) +
            ", \"bytes\": " + std::to_string(policy->smbBytes) +
            "}, \"rules\": {\"total\": " + std::to_string(outcome.rules) +
            ", \"added\": " + std::to_string(outcome.added) + ", \"removed\": " + std::to_string(outcome.removed) +
            ", \"unchanged\": " + std::to_string(outcome.unchanged) + "}, \"stagesMs\": {";
        for (std::size_t i = 0; i < policy->stages.size(); ++i)
            out += (i ? ", \"" : "\"") + policy->stages[i].name + "\": " + millis(policy->stages[i].elapsed, "%.3f");
        out += "}, \"totalMs\": " + millis(outcome.total, "%.3f") + ", \"notes\": [";
        for (std::size_t i = 0; i < policy->notes.size(); ++i)
            out += (i ? ", \"" : "\"") + core::jsonEscape(policy->notes[i]) + "\"";
        out += "], \"guardrails\": [";
        for (std::size_t i = 0; i < outcome.guardrails.size(); ++i)
            out += (i ? ", \"" : "\"") + core::jsonEscape(outcome.guardrails[i]) + "\"";
        out += "],\n\"policy\": ";
        const core::ReportInput report{data.catalog, data.mapping, resultant, *translation, policy->loaded.problems,
                                       &summary};
        out += core::renderShowJson(report);
        out += "}\n";
        sink.out(out);
        return outcome;
    }
    const bool would = request.dryRun || outcome.mode != core::ApplyMode::Apply;
    const std::string modePrefix =
        outcome.mode == core::ApplyMode::Apply ? std::string() : std::string(core::modeName(outcome.mode)) + ": ";
    std::string out = "sync " + outcome.result + (request.dryRun ? " (dry run)" : "") + ": DC " + outcome.dc +
                      ", site " + (outcome.site.empty() ? "-" : outcome.site) + "; " +
                      std::to_string(outcome.gposApplied) + " of " + std::to_string(summary.gpos.size()) +
                      " GPOs applied (" + std::to_string(policy->gposFetched) + " fetched, " +
                      std::to_string(policy->gposCached) + " from cache); " + std::to_string(outcome.rules) +
                      " rules (" + modePrefix + (would ? "would add " : "added ") + std::to_string(outcome.added) +
                      ", " + (would ? "would remove " : "removed ") + std::to_string(outcome.removed) + ", unchanged " +
                      std::to_string(outcome.unchanged) + ")\n";
    out += "  LDAP: " + std::to_string(policy->ldapSearches) + " searches in " +
           std::to_string(policy->ldapRoundTrips) + " round trips (SSF " + std::to_string(policy->ssf) +
           (policy->ldapSessionKept ? ", session kept" : "") +
           (policy->dcAddress.empty() ? "" : ", DC address " + policy->dcAddress) +
           (policy->dcProved ? ", proved by an AS exchange" : "") + "); SMB: " + std::to_string(policy->smbFiles) +
           " files, " + std::to_string(policy->smbBytes) + " bytes\n  time:";
    for (const auto &s : policy->stages)
        out += " " + s.name + " " + millis(s.elapsed) + ",";
    out += " total " + millis(outcome.total) + "\n";
    for (const auto &r : policy->dcRefused)
        out += "  passed over: " + r + "\n";
    out += core::renderGpoList(summary);
    sink.out(out);
    return outcome;
}

Drift checkDrift(const std::vector<std::string> &inForce)
{
    Drift drift;
    auto netlink = kernel::AuditNetlink::open();
    if (!netlink) {
        drift.error = netlink.error().str();
        return drift;
    }
    auto rules = netlink->listRules();
    if (!rules) {
        drift.error = rules.error().str();
        return drift;
    }
    auto status = netlink->status();
    drift.immutable = status && status->enabled == 2;
    std::multiset<std::string> present;
    for (const auto &rule : *rules)
        present.insert(rule.identity);
    for (const auto &identity : inForce) {
        if (auto it = present.find(identity); it != present.end()) {
            present.erase(it);
            ++drift.present;
        } else {
            drift.missing.push_back(identity);
        }
    }
    return drift;
}

} // namespace gpaudit::service
