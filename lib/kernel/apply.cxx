// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/apply.hxx"

#include "core/base/text.hxx"
#include "core/linux/apply_plan.hxx"
#include "core/linux/guardrails.hxx"
#include "host/files/files.hxx"
#include "kernel/fast_path.hxx"

#include <map>
#include <set>
#include <sys/stat.h>

namespace gpaudit::kernel {

namespace {

// What we know of the rules a previous apply left: the rules file lists them all, and is the only
// record of which keyless record filters are ours.
struct Previous {
    std::map<std::string, std::string> textByIdentity;
    std::set<std::string> ownedFilters;
};

Result<Previous> readPrevious(const std::string &rulesFile)
{
    Previous previous;
    if (rulesFile.empty())
        return previous;
    struct stat st {};
    if (::stat(rulesFile.c_str(), &st) != 0)
        return previous; // first apply
    auto text = host::readFileBounded(rulesFile);
    if (!text)
        return tl::unexpected(text.error());
    for (auto line : core::splitLines(*text)) {
        if (!line.starts_with("-a "))
            continue;
        auto rule = core::parseRuleLine(line);
        if (!rule)
            continue; // someone edited it; such lines only help with messages
        auto built = buildRule(*rule);
        if (built)
            previous.textByIdentity[built->identity] = std::string(line);
    }
    auto filters = core::recordFiltersOf(*text, rulesFile);
    if (!filters)
        return tl::unexpected(filters.error());
    for (const auto &filter : *filters) {
        auto built = buildRule(filter);
        if (!built)
            return fail("cannot rebuild record filter \"" + filter.render() + "\": " + built.error().message,
                        {rulesFile, 0, 0});
        previous.ownedFilters.insert(built->identity);
    }
    return previous;
}

std::string describeKernelRule(const KernelRule &rule, const Previous &previous)
{
    auto known = previous.textByIdentity.find(rule.identity);
    if (known != previous.textByIdentity.end())
        return known->second;
    std::string keys;
    for (const auto &key : rule.keys)
        keys += (keys.empty() ? "" : ",") + key;
    return "rule keyed " + keys;
}

class NetlinkKernel final : public KernelAudit {
  public:
    explicit NetlinkKernel(AuditNetlink &netlink) : netlink_(netlink) {}
    Result<KernelStatus> status() override { return netlink_.status(); }
    Result<std::vector<KernelRule>> listRules() override { return netlink_.listRules(); }
    Result<void> addRule(const KernelRule &rule, bool prepend) override { return netlink_.addRule(rule, prepend); }
    Result<void> deleteRule(const KernelRule &rule) override { return netlink_.deleteRule(rule); }
    Result<void> setStatus(char flag, std::uint32_t value) override { return netlink_.setStatus(flag, value); }
    [[nodiscard]] std::size_t writes() const override { return netlink_.writes(); }

  private:
    AuditNetlink &netlink_;
};

core::AuditStatus coreStatus(const KernelStatus &status)
{
    return {status.enabled, status.failure, status.backlogLimit, status.rateLimit};
}

} // namespace

std::vector<core::AuditRule> plannedRules(const core::Translation &translation, const ApplyOptions &options,
                                          const std::vector<KernelRule> &current)
{
    std::vector<core::AuditRule> rules;
    if (options.mapping != nullptr && !translation.rules.empty())
        rules = fastPathRules(*options.mapping, options.abis, translation.rules, current);
    rules.insert(rules.end(), translation.rules.begin(), translation.rules.end());
    return rules;
}

Result<ApplyReport> apply(AuditNetlink &netlink, const core::Translation &policy, const ApplyOptions &options)
{
    NetlinkKernel kernel(netlink);
    return apply(kernel, policy, options);
}

Result<RevertReport> revert(AuditNetlink &netlink, const std::string &rulesFile, bool dryRun)
{
    NetlinkKernel kernel(netlink);
    return revert(kernel, rulesFile, dryRun);
}

Result<ApplyReport> apply(KernelAudit &netlink, const core::Translation &policy, const ApplyOptions &options)
{
    const auto started = std::chrono::steady_clock::now();
    ApplyReport report;
    auto status = netlink.status();
    if (!status)
        return tl::unexpected(status.error());
    auto previous = readPrevious(options.rulesFile);
    if (!previous)
        return tl::unexpected(previous.error());

    auto current = netlink.listRules();
    if (!current)
        return tl::unexpected(current.error());
    core::Translation translation = policy;
    translation.rules = plannedRules(policy, options, *current);
    std::vector<KernelRule> desired;
    std::vector<core::DesiredRule> desiredIds;
    for (const auto &rule : translation.rules) {
        auto built = buildRule(rule);
        if (!built)
            return tl::unexpected(built.error());
        desiredIds.push_back({built->identity, rule.action == core::AuditRule::Action::Never, built->list});
        report.identities.push_back(built->identity);
        desired.push_back(std::move(*built));
    }
    std::vector<core::CurrentRule> currentIds;
    for (const auto &rule : *current)
        currentIds.push_back(
            {rule.identity, rule.keyedOurs() || previous->ownedFilters.contains(rule.identity), rule.list});
    const auto plan = core::planApply(desiredIds, currentIds);
    const auto decision =
        core::decideApply(coreStatus(*status), policy.status, plan.empty(), options.reportOnly, options.dryRun);
    report.mode = decision.mode;
    report.modeReason = decision.reason;
    if (decision.mode == core::ApplyMode::Stage && options.rulesFile.empty())
        return fail(decision.reason + ", and no rules file is configured (rules_file, --no-rules-file): nothing "
                                      "was changed or staged");

    const std::set<std::size_t> moves(plan.move.begin(), plan.move.end());
    for (auto index : plan.add)
        if (!moves.contains(index))
            report.added.push_back(translation.rules[index].render());
    report.moved = plan.move.size();
    for (auto index : plan.remove)
        report.removed.push_back(describeKernelRule((*current)[index], *previous));
    for (auto index : plan.foreign)
        report.foreign.push_back(translation.rules[index].render());
    report.unchanged = plan.keep.size();
    report.statusChanges = decision.statusChanges;
    const auto fileContent = core::renderRulesFile(translation, options.headerComments);
    // The last line of defence: a rules file is loaded at boot by augenrules without us.
    if (const auto wrong = core::rulesFileViolations(fileContent); !wrong.empty())
        return fail("refusing to write a rules file with " + wrong.front());
    bool fileCurrent = false;
    if (!options.rulesFile.empty()) {
        auto existing = host::readFileBounded(options.rulesFile);
        fileCurrent = existing && *existing == fileContent;
    }
    const bool fileDue = !options.rulesFile.empty() && !fileCurrent && decision.mode != core::ApplyMode::ReportOnly;
    if (!decision.kernelWrites) {
        // Dry run, report-only, or an immutable kernel: no netlink write at all. Staging writes the rules
        // file only, so the policy arrives with the next boot.
        if (decision.rulesFileWrite && fileDue)
            if (auto written = host::writeFileAtomic(options.rulesFile, fileContent); !written)
                return fail(written.error().str() + "; nothing was staged");
        report.rulesFileWritten = fileDue;
        report.netlinkWrites = netlink.writes();
        report.elapsed =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
        return report;
    }
    const auto &statusToSet = decision.statusToSet;

    // 1. Add what is missing. On a refusal, take back what this apply added: the previous policy
    //    stays in force exactly.
    //    A rule held out of the policy's order (core::planApply) is deleted and sent again at once.
    std::vector<std::size_t> addedSoFar;
    for (auto index : plan.add) {
        const bool move = moves.contains(index);
        Result<void> added;
        if (move) {
            added = netlink.deleteRule(desired[index]);
            if (added)
                added = netlink.addRule(desired[index], desiredIds[index].prepend);
            if (!added)
                added = fail(added.error().message + " (moving it to stand in the policy's order: it was "
                                                     "deleted and could not be sent again)");
        } else {
            added = netlink.addRule(desired[index], desiredIds[index].prepend);
        }
        if (!added) {
            std::string rollback;
            for (auto done = addedSoFar.rbegin(); done != addedSoFar.rend(); ++done)
                if (auto removed = netlink.deleteRule(desired[*done]); !removed)
                    rollback += "; and could not take back " + translation.rules[*done].render() + ": " +
                                removed.error().message;
            return fail(added.error().message + ": " + translation.rules[index].render() +
                        "; the previous policy stays in force" + rollback);
        }
        if (!move)
            addedSoFar.push_back(index); // a moved rule was in force before: a rollback keeps it
    }
    // 2. Status settings the policy's options ask for.
    for (const auto &setting : statusToSet)
        if (auto ok = netlink.setStatus(setting.flag, setting.value); !ok)
            return fail(ok.error().message + "; the rules of the new policy are in force, stale rules were not "
                                             "removed yet");
    // 3. Remove what is stale, now that the new policy is complete.
    for (auto index : plan.remove)
        if (auto removed = netlink.deleteRule((*current)[index]); !removed)
            return fail(removed.error().message + ": " + describeKernelRule((*current)[index], *previous) +
                        "; the new policy is in force, this stale rule remains");
    // 4. Persist, so augenrules loads the same at boot.
    if (!options.rulesFile.empty() && !fileCurrent) {
        if (auto written = host::writeFileAtomic(options.rulesFile, fileContent); !written)
            return fail(written.error().str() + "; the kernel has the new policy, the rules file was not updated");
        report.rulesFileWritten = true;
    }
    report.netlinkWrites = netlink.writes();
    report.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    return report;
}

Result<RevertReport> revert(KernelAudit &netlink, const std::string &rulesFile, bool dryRun)
{
    RevertReport report;
    auto status = netlink.status();
    if (!status)
        return tl::unexpected(status.error());
    // An immutable kernel keeps its rules until reboot: remove only the rules file (staged).
    report.staged = status->enabled == 2;
    auto previous = readPrevious(rulesFile);
    if (!previous)
        return tl::unexpected(previous.error());
    auto current = netlink.listRules();
    if (!current)
        return tl::unexpected(current.error());
    for (const auto &rule : *current) {
        if (!rule.keyedOurs() && !previous->ownedFilters.contains(rule.identity))
            continue;
        report.removed.push_back(describeKernelRule(rule, *previous));
        if (dryRun || report.staged)
            continue;
        if (auto removed = netlink.deleteRule(rule); !removed)
            return fail(removed.error().message + ": " + describeKernelRule(rule, *previous));
    }
    struct stat st {};
    report.rulesFileRemoved = !rulesFile.empty() && ::stat(rulesFile.c_str(), &st) == 0;
    if (!dryRun && report.rulesFileRemoved)
        if (auto removed = host::removeFile(rulesFile); !removed)
            return tl::unexpected(removed.error());
    report.netlinkWrites = netlink.writes();
    return report;
}

} // namespace gpaudit::kernel
