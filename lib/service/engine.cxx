// SPDX-License-Identifier: GPL-2.0-or-later
#include "service/engine.hxx"

#include "config.h"
#include "core/report/render.hxx"
#include "core/samba/apply_plan.hxx"
#include "host/files/files.hxx"
#include "host/state/state.hxx"
#include "kernel/apply_policy.hxx"
#include "samba/samba.hxx"

#include <cerrno>
#include <fcntl.h>
#include <optional>
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

} // namespace

void PendingSyncDeleter::operator()(PendingSync *pending) const
{
    delete pending;
}

PendingSyncPtr beginSync(const core::Config &config, const SyncRequest &request, const SyncEvents &onEvent)
{
    using Event = core::SyncEvent;
    PendingSyncPtr pending(new PendingSync);
    pending->started = Clock::now();
    if (!request.lockHeld) {
        // No lock, no sync: never a silent run without it.
        auto lock = host::makeDirectories(config.stateDir, 0700).and_then([&] {
            return host::lockFile(config.stateDir + "/lock");
        });
        if (!lock) {
            pending->policy = fail("cannot take the state directory's lock: " + lock.error().str());
            return pending;
        }
        pending->lock.emplace(std::move(*lock));
    }
    pending->previous = host::readSyncState(config.stateDir);
    if (request.offline) {
        ++pending->stage;
        if (onEvent)
            onEvent(
                Event::of(Event::Kind::Step, "cached: the last applied sync from " + config.stateDir, pending->stage));
        pending->policy = loadLastApplied(config.stateDir);
    }
    return pending;
}

core::SyncReport runLocalSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                              const host::ViewSettings &settings, const SyncEvents &onEvent)
{
    PendingSyncPtr pending;
    if (!request.offline)
        pending.reset(new PendingSync);          // its policy: "not fetched"
    else if (request.dryRun || ::geteuid() == 0) // before the lock
        pending = beginSync(config, request, onEvent);
    return completeSync(data, config, request, settings, std::move(pending), onEvent);
}

core::SyncReport completeSync(const host::RulesData &data, const core::Config &config, const SyncRequest &request,
                              const host::ViewSettings &settings, PendingSyncPtr pending, const SyncEvents &onEvent)
{
    using Event = core::SyncEvent;
    core::SyncReport report;
    report.dryRun = request.dryRun;
    const auto emit = [&](const Event &told) {
        if (onEvent)
            onEvent(told);
    };
    const auto failed = [&](const std::string &error) {
        report.result = core::SyncResult::Failed;
        report.error = error;
        emit(Event::of(Event::Kind::Failed, error));
        return std::move(report);
    };
    const bool root = ::geteuid() == 0;
    if ((!request.dryRun && !root) || !pending)
        return failed("sync changes the kernel's audit rules and must run as root (or use --dry-run)");
    const auto started = pending->started;
    const auto &previous = pending->previous;
    std::size_t &stage = pending->stage;
    const auto progress = [&](const std::string &what) { emit(Event::of(Event::Kind::Step, what, ++stage)); };
    auto &policy = pending->policy;
    if (!policy)
        return failed("sync: " + policy.error().str());
    // Fetched files are parsed here, on the caller's thread (gpauditd: its loop, beside merge and translate);
    // the last applied sync's cached files (offline, last-known-good) are parsed without a stage of their own.
    const bool fetched = !request.offline && !policy->lastKnownGood;
    if (fetched)
        progress("parse: " + std::to_string(policy->inputs.size()) + " GPOs");
    if (policy->lastKnownGood) {
        report.unreachable = policy->unreachable.empty() ? "unknown" : policy->unreachable;
        auto lost = Event::of(Event::Kind::LastKnownGood, policy->unreachable, policy->state.applied.size());
        lost.time = policy->state.time;
        emit(lost);
    }
    for (const auto &note : policy->notes) {
        emit(Event::of(Event::Kind::Note, note));
        report.notes.push_back(note);
    }
    report.record = policy->state;

    // What the kernel and the rules file hold, read before the policy is translated: the apply plans
    // against it (core::planPolicyApply) and then writes, so a sync reads, decides, and writes in that
    // order. An error here is the apply's, reported when the apply would begin.
    Result<kernel::KernelSide> kernelSide = fail("not read");
    if (root)
        kernelSide = kernel::readKernel(&data.mapping, config.rulesFile);

    // Parse, merge, translate: the policy data goes down the layers once (host -> core).
    auto stageStart = Clock::now();
    host::LoadedPolicy loaded;
    const auto parsed = [&](const host::LoadedPolicy &files) {
        if (fetched)
            policy->stats.stages.push_back({"parse", since(stageStart)});
        for (const auto &problem : files.problems) {
            auto told = Event::of(Event::Kind::Problem, problem.message);
            told.gpo = problem.gpo;
            told.rejected = problem.rejected;
            emit(told);
        }
        report.problems = files.problems;
        stageStart = Clock::now();
        progress("translate: merging " + std::to_string(files.inputs.size()) + " GPOs");
    };
    auto translated = host::translateFetched(data, config, settings, policy->inputs, loaded, parsed);
    if (!translated)
        return failed(translated.error().str());
    for (const auto &change : translated->guardrails)
        emit(Event::of(Event::Kind::Guardrail, change));
    report.guardrails = translated->guardrails;
    policy->stats.stages.push_back({"translate", since(stageStart)});

    report.rules = translated->translation.rules.size();
    // Who wrote the rules file (and Samba's include file), from what.
    const auto header =
        core::rulesFileHeader(request.program, GPAUDIT_VERSION, translated->arch, loaded.inputs, &report.record);
    if (root) {
        const auto applyStart = Clock::now();
        progress("apply: " + std::to_string(translated->translation.rules.size()) + " rules" +
                 (request.dryRun ? " (dry run)" : ""));
        if (!kernelSide)
            return failed("apply: " + kernelSide.error().str());
        core::PolicyApplyOptions apply;
        apply.mapping = &data.mapping;
        apply.arch = translated->arch;
        apply.dryRun = request.dryRun;
        apply.reportOnly = config.guardrails.reportOnly;
        apply.rulesFile = config.rulesFile;
        apply.headerComments = header;
        auto &[kernelAudit, held] = *kernelSide;
        auto plan = core::planPolicyApply(translated->translation, held.snapshot, apply, held.encoding.encoder());
        if (!plan)
            return failed("apply: " + plan.error().str());
        auto applied = kernel::execute(kernelAudit, held, *plan);
        if (!applied)
            return failed("apply: " + applied.error().str());
        policy->stats.stages.push_back({"apply", held.elapsed + since(applyStart)});
        report.apply = std::move(static_cast<core::ApplySummary &>(*applied));
        auto done = Event::of(Event::Kind::Applied);
        done.apply = &*report.apply;
        emit(done);
        report.rules = applied->identities.size(); // the translation's rules and the fast-path exclusions
        const bool staging = report.apply->mode == core::ApplyMode::Stage;
        report.applied = !request.dryRun && report.apply->mode == core::ApplyMode::Apply;
        report.staged = !request.dryRun && staging;
        if (report.applied)
            report.inForce = std::move(applied->identities);
        // Record what is now in force or staged: the next show reads it, and it is the last-known-good
        // (the rules file has it either way). A cached reapply records only a change of mode (the
        // staged policy found in force after the reboot).
        auto state = policy->state;
        state.mode = report.staged ? "staged" : "applied";
        state.kernelTime = report.applied ? state.time : previous ? previous->kernelTime : std::string();
        const bool modeChanged = previous && previous->mode != state.mode;
        if ((report.applied || report.staged) && !policy->lastKnownGood && (!request.offline || modeChanged)) {
            if (auto ok = host::writeSyncState(config.stateDir, state); !ok)
                return failed(ok.error().str());
            if (!request.offline)
                host::pruneCache(config.stateDir, policy->state.applied);
        }
    }
    // Issue 16: on a Samba AD DC, the same resultant policy becomes Samba's audit logging (lib/samba).
    // The last-known-good applies here too: the resultant is whatever policy is in force.
    if (config.sambaAudit) {
        samba::Options sambaOptions;
        sambaOptions.smbConf = config.sambaConf;
        sambaOptions.includeFile = config.sambaIncludeFile;
        sambaOptions.addInclude = config.sambaAddInclude;
        sambaOptions.dryRun = request.dryRun || !root;
        sambaOptions.reportOnly = config.guardrails.reportOnly;
        // No time in it: an unchanged policy leaves the include file unchanged (no write, as for the kernel).
        sambaOptions.header = {"Samba's audit logging, written by " + request.program +
                                   " from the Group Policy of this domain controller; do not edit.",
                               "GPOs, lowest precedence first:"};
        for (const auto &line : header)
            if (line.starts_with("  "))
                sambaOptions.header.push_back(line);
        // Read after the kernel's apply (the running processes' levels take up to a second: drift restore
        // and the kernel's apply never wait for them), decided (core, pure), written: as the kernel's apply.
        Result<samba::Report> sambaDone = fail("not read");
        if (auto sambaHeld = samba::readSambaHost(sambaOptions); !sambaHeld) {
            sambaDone = tl::unexpected(sambaHeld.error());
        } else {
            const auto sambaPlan = core::samba::planSambaApply(data.catalog, data.mapping, translated->resultant,
                                                               *sambaHeld, sambaOptions);
            sambaDone = samba::executeSambaPlan(sambaPlan, sambaOptions);
        }
        if (!sambaDone) {
            report.notes.push_back("samba: " + sambaDone.error().str());
            emit(Event::of(Event::Kind::Note, "samba: " + sambaDone.error().str()));
        } else if (sambaDone->dc) {
            report.samba = core::renderSambaSummary(*sambaDone);
            emit(Event::of(Event::Kind::Samba, report.samba));
            for (const auto &note : sambaDone->notes) {
                emit(Event::of(Event::Kind::Note, "samba: " + note));
                report.notes.push_back("samba: " + note);
            }
        }
    }
    report.stats = std::move(policy->stats);
    report.stats.total = since(started);
    // This sync's DC and site; the record's are those of the policy in force (the last-known-good's).
    if (!policy->dc.empty())
        report.record.dc = policy->dc;
    if (!policy->site.empty())
        report.record.site = policy->site;
    for (const auto &g : report.record.gpos)
        report.gposApplied += g.applied ? 1 : 0;
    if (previous && !request.offline && !policy->lastKnownGood) {
        std::set<std::pair<std::string, std::uint32_t>> before;
        for (const auto &a : previous->applied)
            before.emplace(a.guid, a.version);
        for (const auto &a : policy->state.applied)
            if (!before.contains({a.guid, a.version}))
                report.policyChanges.push_back(a.name + " " + a.guid + " version " + std::to_string(a.version));
    }
    report.partial = policy->fetchErrors || loaded.anyRejected();
    report.result = request.offline         ? core::SyncResult::Cached
                    : policy->lastKnownGood ? core::SyncResult::LastKnownGood
                    : report.partial        ? core::SyncResult::Partial
                                            : core::SyncResult::Ok;
    report.resultant = std::move(translated->resultant);
    report.translation = std::move(translated->translation);
    return report;
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
