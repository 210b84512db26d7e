// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/apply.hxx"

#include "core/linux/apply_plan.hxx"
#include "host/files/files.hxx"
#include "kernel/fast_path.hxx"

#include <map>
#include <set>
#include <sys/stat.h>

namespace gpaudit::kernel {

namespace {

std::chrono::microseconds since(std::chrono::steady_clock::time_point started)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
}

} // namespace

Result<core::EncodedRule> RuleEncoding::operator()(const core::AuditRule &rule)
{
    auto built = buildRule(rule);
    if (!built)
        return tl::unexpected(built.error());
    core::EncodedRule encoded{built->identity, built->list};
    built_.try_emplace(built->identity, std::move(*built));
    return encoded;
}

const KernelRule *RuleEncoding::find(const std::string &identity) const
{
    auto found = built_.find(identity);
    return found == built_.end() ? nullptr : &found->second;
}

Result<Held> readHeld(KernelAudit &kernel, const core::Mapping *mapping, const std::string &rulesFile)
{
    const auto started = std::chrono::steady_clock::now();
    Held held;
    auto status = kernel.status();
    if (!status)
        return tl::unexpected(status.error());
    held.snapshot.status = {status->enabled, status->failure, status->backlogLimit, status->rateLimit};
    auto current = kernel.listRules();
    if (!current)
        return tl::unexpected(current.error());
    held.rules = std::move(*current);
    for (const auto &rule : held.rules)
        held.snapshot.rules.push_back({rule.identity, rule.keyedOurs(), rule.list, rule.keys});
    // What the rules not ours match, for every ABI the mapping has a platform with (the translation
    // picks one; core::planPolicyApply takes its ABIs').
    if (mapping != nullptr) {
        std::vector<core::Abi> abis;
        for (const auto &name : mapping->platformNames())
            if (const auto *platform = mapping->platform(name))
                abis.insert(abis.end(), platform->begin(), platform->end());
        held.snapshot.foreign = foreignCoverage(*mapping, abis, held.rules);
    }
    // The rules file lists every rule a previous apply left, and is the only record of which keyless
    // record filters are ours.
    struct stat st {};
    if (!rulesFile.empty() && ::stat(rulesFile.c_str(), &st) == 0) { // else: the first apply
        auto text = host::readFileBounded(rulesFile);
        if (!text)
            return tl::unexpected(text.error());
        held.snapshot.rulesFile = std::move(*text);
    }
    held.elapsed = since(started);
    return held;
}

std::vector<core::AuditRule> plannedRules(const core::Translation &translation, const ApplyOptions &options,
                                          const std::vector<KernelRule> &current)
{
    std::vector<core::AuditRule> rules;
    const auto *abis = options.mapping != nullptr ? options.mapping->platform(options.arch) : nullptr;
    if (abis != nullptr && !translation.rules.empty())
        rules = fastPathRules(*options.mapping, *abis, translation.rules, current);
    rules.insert(rules.end(), translation.rules.begin(), translation.rules.end());
    return rules;
}

Result<ApplyReport> applyTranslation(AuditNetlink &netlink, const core::Translation &policy,
                                     const ApplyOptions &options)
{
    NetlinkRef kernel(netlink);
    return applyTranslation(kernel, policy, options);
}

Result<RevertReport> revert(AuditNetlink &netlink, const std::string &rulesFile, bool dryRun)
{
    NetlinkRef kernel(netlink);
    return revert(kernel, rulesFile, dryRun);
}

Result<ApplyReport> applyTranslation(KernelAudit &kernel, const core::Translation &translation,
                                     const ApplyOptions &options)
{
    auto held = readHeld(kernel, options.mapping, options.rulesFile);
    if (!held)
        return tl::unexpected(held.error());
    auto plan = core::planPolicyApply(translation, held->snapshot, options, held->encoding.encoder());
    if (!plan)
        return tl::unexpected(plan.error());
    return execute(kernel, *held, *plan);
}

Result<ApplyReport> execute(KernelAudit &netlink, const Held &held, const core::PolicyPlan &plan)
{
    const auto started = std::chrono::steady_clock::now();
    const auto &decision = plan.decision;
    if (decision.kernelWrites) {
        // The kernel forms the plan's encoding built: every rule to send was encoded for the plan.
        std::map<std::size_t, const KernelRule *> toSend;
        for (auto index : plan.diff.add) {
            const auto *rule = held.encoding.find(plan.desired[index].identity);
            if (rule == nullptr)
                return fail("not encoded for this apply: " + plan.texts[index] + "; nothing was changed");
            toSend.emplace(index, rule);
        }
        const std::set<std::size_t> moves(plan.diff.move.begin(), plan.diff.move.end());

        // 1. Add what is missing. On a refusal, take back what this apply added: the previous policy
        //    stays in force exactly.
        //    A rule held out of the policy's order (core::planApply) is deleted and sent again at once.
        std::vector<std::size_t> addedSoFar;
        for (auto index : plan.diff.add) {
            const auto &rule = *toSend.at(index);
            const bool prepend = plan.desired[index].prepend;
            const bool move = moves.contains(index);
            Result<void> added;
            if (move) {
                added = netlink.deleteRule(rule);
                if (added)
                    added = netlink.addRule(rule, prepend);
                if (!added)
                    added = fail(added.error().message + " (moving it to stand in the policy's order: it was "
                                                         "deleted and could not be sent again)");
            } else {
                added = netlink.addRule(rule, prepend);
            }
            if (!added) {
                std::string rollback;
                for (auto done = addedSoFar.rbegin(); done != addedSoFar.rend(); ++done)
                    if (auto removed = netlink.deleteRule(*toSend.at(*done)); !removed)
                        rollback += "; and could not take back " + plan.texts[*done] + ": " + removed.error().message;
                return fail(added.error().message + ": " + plan.texts[index] + "; the previous policy stays in force" +
                            rollback);
            }
            if (!move)
                addedSoFar.push_back(index); // a moved rule was in force before: a rollback keeps it
        }
        // 2. Status settings the policy's options ask for.
        for (const auto &setting : decision.statusToSet)
            if (auto ok = netlink.setStatus(setting.flag, setting.value); !ok)
                return fail(ok.error().message + "; the rules of the new policy are in force, stale rules were "
                                                 "not removed yet");
        // 3. Remove what is stale, now that the new policy is complete.
        for (std::size_t i = 0; i < plan.diff.remove.size(); ++i)
            if (auto removed = netlink.deleteRule(held.rules[plan.diff.remove[i]]); !removed)
                return fail(removed.error().message + ": " + plan.removed[i] +
                            "; the new policy is in force, this stale rule remains");
    }
    // 4. The rules file, so augenrules loads the same at boot. Without kernel writes (a dry run,
    //    report-only, an immutable kernel) it is all there is: staging writes only the rules file, so the
    //    policy arrives with the next boot.
    if (decision.rulesFileWrite && plan.rulesFileDue)
        if (auto written = host::writeFileAtomic(plan.rulesFile, plan.rulesFileContent); !written)
            return fail(written.error().str() + (decision.kernelWrites ? "; the kernel has the new policy, the "
                                                                         "rules file was not updated"
                                                                       : "; nothing was staged"));

    ApplyReport report;
    report.mode = decision.mode;
    report.modeReason = decision.reason;
    report.dryRun = plan.dryRun;
    report.added = plan.added;
    report.removed = plan.removed;
    report.unchanged = plan.diff.keep.size();
    report.moved = plan.diff.move.size();
    report.foreign = plan.foreign;
    report.statusChanges = decision.statusChanges;
    report.netlinkWrites = netlink.writes();
    report.rulesFileWritten = plan.rulesFileDue; // (or would be, in a dry run)
    report.rulesFile = plan.rulesFile;
    report.elapsed = held.elapsed + since(started);
    for (const auto &desired : plan.desired)
        report.identities.push_back(desired.identity);
    return report;
}

Result<RevertReport> revert(KernelAudit &netlink, const std::string &rulesFile, bool dryRun)
{
    RevertReport report;
    auto held = readHeld(netlink, nullptr, rulesFile);
    if (!held)
        return tl::unexpected(held.error());
    // An immutable kernel keeps its rules until reboot: remove only the rules file (staged).
    report.staged = held->snapshot.status.enabled == 2;
    core::PreviousRules previous;
    if (held->snapshot.rulesFile) {
        auto read = core::previousRules(*held->snapshot.rulesFile, rulesFile, held->encoding.encoder());
        if (!read)
            return tl::unexpected(read.error());
        previous = std::move(*read);
    }
    for (std::size_t i = 0; i < held->rules.size(); ++i) {
        const auto &rule = held->snapshot.rules[i];
        if (!rule.keyedOurs && !previous.ownedFilters.contains(rule.identity))
            continue;
        report.removed.push_back(core::describeHeldRule(rule, previous));
        if (dryRun || report.staged)
            continue;
        if (auto removed = netlink.deleteRule(held->rules[i]); !removed)
            return fail(removed.error().message + ": " + report.removed.back());
    }
    report.rulesFileRemoved = held->snapshot.rulesFile.has_value();
    if (!dryRun && report.rulesFileRemoved)
        if (auto removed = host::removeFile(rulesFile); !removed)
            return tl::unexpected(removed.error());
    report.netlinkWrites = netlink.writes();
    return report;
}

} // namespace gpaudit::kernel
