// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/linux/apply_plan.hxx"

#include "core/base/text.hxx"
#include "core/linux/guardrails.hxx"

#include <algorithm>
#include <map>
#include <set>

namespace gpaudit::core {

ApplyPlan planApply(std::span<const DesiredRule> desired, std::span<const CurrentRule> current)
{
    ApplyPlan plan;
    struct Held {
        bool ours = false;
        std::size_t position = 0;
    };
    std::map<std::string_view, Held> inKernel;
    for (std::size_t i = 0; i < current.size(); ++i)
        inKernel.emplace(current[i].identity, Held{current[i].ours, i});
    std::set<std::string_view> wanted;
    std::vector<std::size_t> prepends;
    // Per list: the position of the last of ours left in place, and whether a rule was appended (after
    // which every kept rule of that list must be appended too, to stand in the policy's order).
    std::map<int, std::size_t> lastInPlace;
    std::set<int> appended;
    for (std::size_t i = 0; i < desired.size(); ++i) {
        const auto &rule = desired[i];
        if (!wanted.insert(rule.identity).second)
            continue; // the same kernel rule twice: the kernel would refuse the second
        auto found = inKernel.find(rule.identity);
        if (found == inKernel.end()) {
            if (rule.prepend) {
                prepends.push_back(i);
            } else {
                plan.add.push_back(i);
                appended.insert(rule.list);
            }
            continue;
        }
        if (!found->second.ours) {
            plan.foreign.push_back(i);
            continue;
        }
        const auto last = lastInPlace.find(rule.list);
        const bool outOfOrder =
            appended.contains(rule.list) || (last != lastInPlace.end() && found->second.position < last->second);
        if (rule.prepend || !outOfOrder) {
            plan.keep.push_back(i);
            if (!rule.prepend)
                lastInPlace[rule.list] = found->second.position;
            continue;
        }
        plan.add.push_back(i);
        plan.move.push_back(i);
        appended.insert(rule.list);
    }
    plan.add.insert(plan.add.begin(), prepends.rbegin(), prepends.rend());
    for (std::size_t i = 0; i < current.size(); ++i)
        if (current[i].ours && !wanted.contains(current[i].identity))
            plan.remove.push_back(i);
    return plan;
}

ApplyDecision decideApply(const AuditStatus &status, const std::vector<StatusSetting> &wanted, bool kernelHoldsRules,
                          bool reportOnly, bool dryRun)
{
    ApplyDecision decision;
    const bool immutable = status.enabled == 2;
    const std::map<char, std::uint32_t> now = {
        {'f', status.failure}, {'b', status.backlogLimit}, {'r', status.rateLimit}};
    for (const auto &setting : wanted) {
        const auto current = now.find(setting.flag);
        if (current != now.end() && current->second == setting.value)
            continue;
        decision.statusToSet.push_back(setting);
        decision.statusChanges.push_back(
            std::string("-") + setting.flag + " " + std::to_string(setting.value) + " (was " +
            (current == now.end() ? std::string("?") : std::to_string(current->second)) + "; " + setting.reason + ")");
    }
    const bool inForce = kernelHoldsRules && decision.statusToSet.empty();
    if (reportOnly) {
        decision.mode = ApplyMode::ReportOnly;
        decision.reason = "report_only in gpauditd.conf: nothing was changed";
        if (immutable)
            decision.reason += " (and the kernel's audit configuration is immutable, -e 2: an apply would only "
                               "stage the policy for the next boot)";
    } else if (immutable && inForce) {
        decision.reason = "the kernel's audit configuration is immutable (-e 2) and already holds this policy";
    } else if (immutable) {
        decision.mode = ApplyMode::Stage;
        decision.reason = "the kernel's audit configuration is immutable (-e 2): no rule or setting can change "
                          "until reboot; the policy goes to the rules file only";
    }
    decision.kernelWrites = decision.mode == ApplyMode::Apply && !dryRun;
    decision.rulesFileWrite = decision.mode != ApplyMode::ReportOnly && !dryRun;
    if (!decision.kernelWrites)
        decision.statusToSet.clear();
    return decision;
}

std::string_view modeName(ApplyMode mode)
{
    switch (mode) {
    case ApplyMode::Apply:
        return "applied";
    case ApplyMode::Stage:
        return "staged, takes effect at the next boot";
    case ApplyMode::ReportOnly:
        return "report-only";
    }
    return "applied";
}

std::string_view modeKey(ApplyMode mode)
{
    return mode == ApplyMode::Stage ? "staged" : modeName(mode);
}

namespace {
std::vector<std::string_view> words(std::string_view line)
{
    std::vector<std::string_view> out;
    while (true) {
        line = trim(line);
        if (line.empty())
            break;
        const auto space = line.find_first_of(" \t");
        out.push_back(line.substr(0, space));
        if (space == std::string_view::npos)
            break;
        line = line.substr(space);
    }
    return out;
}
} // namespace

Result<AuditRule> parseRuleLine(std::string_view line)
{
    const auto tokens = words(line);
    AuditRule rule;
    bool sawAction = false;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const auto option = tokens[i];
        if (i + 1 >= tokens.size())
            return fail("\"" + std::string(option) + "\" needs a value in: " + std::string(line));
        const auto value = tokens[++i];
        if (option == "-a") {
            const auto comma = value.find(',');
            if (comma == std::string_view::npos)
                return fail("-a takes action,list in: " + std::string(line));
            const auto action = value.substr(0, comma);
            const auto list = value.substr(comma + 1);
            if (action == "always")
                rule.action = AuditRule::Action::Always;
            else if (action == "never")
                rule.action = AuditRule::Action::Never;
            else
                return fail("unknown action \"" + std::string(action) + "\"");
            if (list == "exit")
                rule.list = AuditRule::List::Exit;
            else if (list == "user")
                rule.list = AuditRule::List::User;
            else if (list == "exclude")
                rule.list = AuditRule::List::Exclude;
            else if (list == "task")
                rule.list = AuditRule::List::Task;
            else
                return fail("unknown list \"" + std::string(list) + "\"");
            sawAction = true;
        } else if (option == "-S") {
            std::size_t start = 0;
            while (start <= value.size()) {
                const auto comma = value.find(',', start);
                rule.syscalls.emplace_back(
                    value.substr(start, comma == std::string_view::npos ? comma : comma - start));
                if (comma == std::string_view::npos)
                    break;
                start = comma + 1;
            }
        } else if (option == "-F" || option == "-C") {
            if (option == "-F" && value.starts_with("arch=")) {
                rule.arch = std::string(value.substr(5));
                continue;
            }
            auto spec = parseFieldSpec(value, option == "-C");
            if (!spec && option == "-F") {
                // Fields the mapping data may not use but our renderer writes.
                for (std::string_view name : {"path=", "dir=", "perm=", "msgtype="})
                    if (value.starts_with(name))
                        spec = FieldSpec{std::string(name.substr(0, name.size() - 1)), "=",
                                         std::string(value.substr(name.size())), false};
            }
            if (!spec)
                return fail("cannot read field \"" + std::string(value) + "\" in: " + std::string(line));
            rule.fields.push_back(*spec);
        } else if (option == "-k") {
            if (!value.starts_with(kKeyPrefix))
                return fail("key \"" + std::string(value) + "\" is not gpaudit's");
            rule.keys.emplace_back(value.substr(kKeyPrefix.size()));
        } else {
            return fail("unknown option \"" + std::string(option) + "\" in: " + std::string(line));
        }
    }
    if (!sawAction)
        return fail("not a rule (no -a): " + std::string(line));
    std::sort(rule.syscalls.begin(), rule.syscalls.end());
    return rule;
}

Result<std::vector<AuditRule>> recordFiltersOf(std::string_view rulesFile, std::string_view label)
{
    std::vector<AuditRule> filters;
    const auto lines = splitLines(rulesFile);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto line = trim(lines[i]);
        if (!line.starts_with("# record filter of "))
            continue;
        if (i + 1 >= lines.size())
            return fail("record filter comment without a rule",
                        {std::string(label), static_cast<std::uint32_t>(i + 1), 0});
        auto rule = parseRuleLine(lines[i + 1]);
        if (!rule)
            return fail(rule.error().message, {std::string(label), static_cast<std::uint32_t>(i + 2), 0});
        std::string owners(line.substr(19));
        std::size_t start = 0;
        while (start < owners.size()) {
            const auto space = owners.find(' ', start);
            auto key = owners.substr(start, space == std::string::npos ? std::string::npos : space - start);
            if (key.starts_with(kKeyPrefix))
                rule->keys.push_back(key.substr(kKeyPrefix.size()));
            start = space == std::string::npos ? owners.size() : space + 1;
        }
        filters.push_back(std::move(*rule));
        ++i;
    }
    return filters;
}

Result<PreviousRules> previousRules(std::string_view rulesFile, std::string_view label, const RuleEncoder &encode)
{
    PreviousRules previous;
    for (auto line : splitLines(rulesFile)) {
        if (!line.starts_with("-a "))
            continue;
        auto rule = parseRuleLine(line);
        if (!rule)
            continue; // someone edited it; such lines only help with messages
        if (auto encoded = encode(*rule))
            previous.textByIdentity[encoded->identity] = std::string(line);
    }
    auto filters = recordFiltersOf(rulesFile, label);
    if (!filters)
        return tl::unexpected(filters.error());
    for (const auto &filter : *filters) {
        auto encoded = encode(filter);
        if (!encoded)
            return fail("cannot rebuild record filter \"" + filter.render() + "\": " + encoded.error().message,
                        {std::string(label), 0, 0});
        previous.ownedFilters.insert(std::move(encoded->identity));
    }
    return previous;
}

std::string describeHeldRule(const HeldRule &rule, const PreviousRules &previous)
{
    auto known = previous.textByIdentity.find(rule.identity);
    if (known != previous.textByIdentity.end())
        return known->second;
    std::string keys;
    for (const auto &key : rule.keys)
        keys += (keys.empty() ? "" : ",") + key;
    return "rule keyed " + keys;
}

Result<PolicyPlan> planPolicyApply(const Translation &translation, const KernelSnapshot &held,
                                   const PolicyApplyOptions &options, const RuleEncoder &encode)
{
    PolicyPlan plan;
    plan.dryRun = options.dryRun;
    plan.rulesFile = options.rulesFile;
    // The rules the policy wants: the fast-path rule, computed against the kernel's other rules as they
    // are now, then the translation's.
    const std::vector<Abi> *abis = options.mapping != nullptr ? options.mapping->platform(options.arch) : nullptr;
    if (abis != nullptr && !translation.rules.empty()) {
        std::map<std::string, ForeignCoverage> foreign;
        for (const auto &abi : *abis)
            if (auto found = held.foreign.find(abi.machine); found != held.foreign.end())
                foreign[abi.arch] = found->second;
        plan.rules = fastPathRules(*options.mapping, *abis, translation.rules, foreign);
    }
    plan.rules.insert(plan.rules.end(), translation.rules.begin(), translation.rules.end());
    for (const auto &rule : plan.rules) {
        auto encoded = encode(rule);
        if (!encoded)
            return tl::unexpected(encoded.error());
        plan.desired.push_back({std::move(encoded->identity), rule.action == AuditRule::Action::Never, encoded->list});
        plan.texts.push_back(rule.render());
    }
    // After the desired rules: an encoder that keeps kernel forms (kernel::RuleEncoding) keeps theirs.
    PreviousRules previous;
    if (held.rulesFile && !options.rulesFile.empty()) {
        auto read = previousRules(*held.rulesFile, options.rulesFile, encode);
        if (!read)
            return tl::unexpected(read.error());
        previous = std::move(*read);
    }

    std::vector<CurrentRule> current;
    for (const auto &rule : held.rules)
        current.push_back({rule.identity, rule.keyedOurs || previous.ownedFilters.contains(rule.identity), rule.list});
    plan.diff = planApply(plan.desired, current);
    plan.decision = decideApply(held.status, translation.status, plan.diff.empty(), options.reportOnly, options.dryRun);
    if (plan.decision.mode == ApplyMode::Stage && options.rulesFile.empty())
        return fail(plan.decision.reason + ", and no rules file is configured (rules_file, --no-rules-file): "
                                           "nothing was changed or staged");

    const std::set<std::size_t> moves(plan.diff.move.begin(), plan.diff.move.end());
    for (auto index : plan.diff.add)
        if (!moves.contains(index))
            plan.added.push_back(plan.texts[index]);
    for (auto index : plan.diff.remove)
        plan.removed.push_back(describeHeldRule(held.rules[index], previous));
    for (auto index : plan.diff.foreign)
        plan.foreign.push_back(plan.texts[index]);

    Translation persisted = translation;
    persisted.rules = plan.rules;
    plan.rulesFileContent = renderRulesFile(persisted, options.headerComments);
    // The last line of defence: a rules file is loaded at boot by augenrules without us.
    if (const auto wrong = rulesFileViolations(plan.rulesFileContent); !wrong.empty())
        return fail("refusing to write a rules file with " + wrong.front());
    plan.rulesFileCurrent = !options.rulesFile.empty() && held.rulesFile && *held.rulesFile == plan.rulesFileContent;
    plan.rulesFileDue =
        !options.rulesFile.empty() && !plan.rulesFileCurrent && plan.decision.mode != ApplyMode::ReportOnly;
    return plan;
}

} // namespace gpaudit::core
