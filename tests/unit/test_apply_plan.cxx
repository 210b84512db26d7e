// SPDX-License-Identifier: GPL-2.0-or-later
// Planning an apply: a diff, adds before removals, never a foreign rule.
#include "core/linux/apply_plan.hxx"
#include "helpers.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;
using gpaudit::fail;
using gpaudit::Result;

TEST_CASE("plan: add what is missing, keep what is there, remove only our stale rules")
{
    const std::vector<DesiredRule> desired = {{"A", false}, {"B", false}, {"C", false}};
    const std::vector<CurrentRule> current = {{"X", true}, {"B", true}, {"F", false}, {"C", false}};
    const auto plan = planApply(desired, current);
    CHECK(plan.add == std::vector<std::size_t>{0, 1}); // A, then B moved after it (the policy's order)
    CHECK(plan.move == std::vector<std::size_t>{1});
    CHECK(plan.keep.empty());
    CHECK(plan.foreign == std::vector<std::size_t>{2}); // C is held by someone else: left alone
    CHECK(plan.remove == std::vector<std::size_t>{0});  // X is ours and stale; F is not ours
}

TEST_CASE("plan: the same policy twice is an empty plan")
{
    const std::vector<DesiredRule> desired = {{"A", false}, {"B", false}, {"N", true}};
    const std::vector<CurrentRule> current = {{"N", true}, {"A", true}, {"F", false}, {"B", true}};
    const auto plan = planApply(desired, current);
    CHECK(plan.empty());
    CHECK(plan.keep.size() == 3);
    CHECK(plan.move.empty());
}

TEST_CASE("plan: a rule the policy puts before rules the kernel holds moves them after it (first match keys)")
{
    // A per-user copy C must match before the rule R it narrows; the kernel appends C, so R and
    // everything after it in the same list is deleted and sent again; the other list is left alone.
    const std::vector<DesiredRule> desired = {
        {"A", false, 4}, {"C", false, 4}, {"R", false, 4}, {"W", false, 4}, {"U", false, 0}};
    const std::vector<CurrentRule> current = {{"U", true, 0}, {"A", true, 4}, {"R", true, 4}, {"W", true, 4}};
    const auto plan = planApply(desired, current);
    CHECK(plan.add == std::vector<std::size_t>{1, 2, 3});
    CHECK(plan.move == std::vector<std::size_t>{2, 3});
    CHECK(plan.keep == std::vector<std::size_t>{0, 4});
    CHECK(plan.remove.empty());
}

TEST_CASE("plan: our rules held out of the policy's order are moved; foreign rules never")
{
    const std::vector<DesiredRule> desired = {{"A", false}, {"B", false}, {"C", false}, {"F", false}};
    const std::vector<CurrentRule> current = {{"B", true}, {"F", false}, {"A", true}, {"C", true}};
    const auto plan = planApply(desired, current);
    // A stays (the first of ours in the policy's order), B stands before it: moved, and C after it.
    CHECK(plan.keep == std::vector<std::size_t>{0});
    CHECK(plan.move == std::vector<std::size_t>{1, 2});
    CHECK(plan.add == std::vector<std::size_t>{1, 2});
    CHECK(plan.foreign == std::vector<std::size_t>{3});
    // Once in order, the next plan is empty.
    const std::vector<CurrentRule> after = {{"F", false}, {"A", true}, {"B", true}, {"C", true}};
    CHECK(planApply(desired, after).empty());
}

TEST_CASE("plan: prepended (never) rules are sent last-first so they land in order at the front")
{
    const std::vector<DesiredRule> desired = {{"N1", true}, {"N2", true}, {"A", false}};
    const auto plan = planApply(desired, {});
    CHECK(plan.add == std::vector<std::size_t>{1, 0, 2});
}

TEST_CASE("plan: a rule wanted twice is sent once")
{
    const std::vector<DesiredRule> desired = {{"A", false}, {"A", false}};
    CHECK(planApply(desired, {}).add.size() == 1);
}

TEST_CASE("rule lines round-trip through the renderer")
{
    const std::vector<std::string> lines = {
        std::string("-a always,exit -F arch=b64 -S execve,execveat -F euid=0 -C uid!=euid -F success=1 ") +
            "-k gpaudit-special-logon -k gpaudit-process-creation",
        "-a always,exit -F path=/etc/passwd -F perm=wa -F auid>=1000 -k gpaudit-user-account-management",
        "-a never,user -F msgtype=USER_LOGIN",
        "-a always,exclude -F msgtype=LOGIN",
        "-a always,exit -F arch=b32 -S open,openat -F dir=/etc/pam.d -F perm=wa -F exit=-EACCES -k gpaudit-x",
    };
    for (const auto &line : lines) {
        auto rule = parseRuleLine(line);
        REQUIRE_MESSAGE(rule, line);
        CHECK(rule->render() == line);
    }
    CHECK_FALSE(parseRuleLine("-w /etc/passwd -p wa"));
    CHECK_FALSE(parseRuleLine("-a sometimes,exit -S execve"));
    CHECK_FALSE(parseRuleLine("-a always,exit -S execve -k other-key"));
    CHECK_FALSE(parseRuleLine("-a always,exit -F"));
    CHECK_FALSE(parseRuleLine("-F arch=b64"));
}

TEST_CASE("record filters of a rules file, with their owners")
{
    const std::string file = "# header\n-f 1\n-a always,exit -F arch=b64 -S execve -k gpaudit-process-creation\n"
                             "# record filter of gpaudit-logon\n-a never,user -F msgtype=USER_LOGIN\n"
                             "# record filter of gpaudit-system-integrity gpaudit-process-termination\n"
                             "-a always,exclude -F msgtype=ANOM_ABEND\n";
    auto filters = recordFiltersOf(file, "gpaudit.rules");
    REQUIRE(filters);
    REQUIRE(filters->size() == 2);
    CHECK((*filters)[0].render() == "-a never,user -F msgtype=USER_LOGIN");
    CHECK((*filters)[1].keys == std::vector<std::string>{"system-integrity", "process-termination"});
    auto broken = recordFiltersOf("# record filter of gpaudit-logon\n-a bogus\n", "gpaudit.rules");
    REQUIRE_FALSE(broken);
    CHECK(broken.error().where.line == 2);
}

namespace {

// libaudit's encoding stood in for by the rule's text: the same rule, the same identity.
Result<EncodedRule> textEncoding(const AuditRule &rule)
{
    if (!rule.syscalls.empty() && rule.syscalls.front() == "nosuchcall")
        return fail("libaudit does not know syscall \"nosuchcall\"");
    return EncodedRule{rule.render(), static_cast<int>(rule.list)};
}

AuditRule exitRule(std::string syscall, std::string key)
{
    return {AuditRule::List::Exit, AuditRule::Action::Always, "b64", {std::move(syscall)}, {}, {std::move(key)}};
}

HeldRule held(const AuditRule &rule, bool ours)
{
    return {rule.render(), ours, static_cast<int>(rule.list),
            ours ? std::vector<std::string>{"gpaudit-x"} : std::vector<std::string>{}};
}

} // namespace

TEST_CASE("policy plan: one pure pass from the kernel's snapshot to every decision of the apply")
{
    Translation translation;
    translation.rules = {exitRule("execve", "process-creation"), exitRule("openat", "file-system")};
    translation.status = {{'f', 2, "CrashOnAuditFail"}};
    const auto stale = exitRule("unlink", "old");
    KernelSnapshot snapshot;
    snapshot.rules = {held(translation.rules[0], true), held(stale, true)};
    PolicyApplyOptions options;
    options.rulesFile = "/etc/audit/rules.d/30-gpaudit.rules";
    snapshot.rulesFile = "# an older policy\n" + stale.render() + "\n";

    auto plan = planPolicyApply(translation, snapshot, options, textEncoding);
    REQUIRE(plan);
    CHECK(plan->decision.mode == ApplyMode::Apply);
    CHECK(plan->rules == translation.rules); // no mapping: no fast-path rule
    CHECK(plan->desired.size() == 2);
    CHECK(plan->diff.keep == std::vector<std::size_t>{0});
    CHECK(plan->added == std::vector<std::string>{translation.rules[1].render()});
    CHECK(plan->removed == std::vector<std::string>{stale.render()}); // named by its line in the old file
    CHECK(plan->decision.statusToSet.size() == 1);
    CHECK(plan->rulesFileContent == renderRulesFile(translation, {}));
    CHECK(plan->rulesFileDue);
    CHECK_FALSE(plan->rulesFileCurrent);

    SUBCASE("the rules file already holds the policy: not due")
    {
        snapshot.rulesFile = plan->rulesFileContent;
        auto again = planPolicyApply(translation, snapshot, options, textEncoding);
        REQUIRE(again);
        CHECK(again->rulesFileCurrent);
        CHECK_FALSE(again->rulesFileDue);
        CHECK(again->removed == std::vector<std::string>{"rule keyed gpaudit-x"}); // not in the file now
    }
    SUBCASE("report-only: nothing due")
    {
        options.reportOnly = true;
        auto report = planPolicyApply(translation, snapshot, options, textEncoding);
        REQUIRE(report);
        CHECK(report->decision.mode == ApplyMode::ReportOnly);
        CHECK_FALSE(report->decision.kernelWrites);
        CHECK_FALSE(report->rulesFileDue);
    }
    SUBCASE("an immutable kernel without a rules file: an error, nothing planned")
    {
        snapshot.status.enabled = 2;
        options.rulesFile.clear();
        auto none = planPolicyApply(translation, snapshot, options, textEncoding);
        REQUIRE_FALSE(none);
        CHECK(none.error().message.find("no rules file is configured") != std::string::npos);
    }
    SUBCASE("a rule libaudit cannot encode: an error")
    {
        translation.rules.push_back(exitRule("nosuchcall", "x"));
        auto refused = planPolicyApply(translation, snapshot, options, textEncoding);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().message.find("nosuchcall") != std::string::npos);
    }
}

TEST_CASE("policy plan: a keyless record filter is ours only when the previous rules file lists it")
{
    const AuditRule filter{
        AuditRule::List::Exclude, AuditRule::Action::Never, "", {}, {{"msgtype", "=", "CWD", false}}, {}};
    Translation translation;
    translation.rules = {exitRule("execve", "process-creation")};
    KernelSnapshot snapshot;
    snapshot.rules = {held(filter, false)};
    PolicyApplyOptions options;
    options.rulesFile = "/etc/audit/rules.d/30-gpaudit.rules";

    auto foreign = planPolicyApply(translation, snapshot, options, textEncoding);
    REQUIRE(foreign);
    CHECK(foreign->diff.remove.empty()); // not ours: left alone

    snapshot.rulesFile = "# record filter of gpaudit-x\n" + filter.render() + "\n";
    auto owned = planPolicyApply(translation, snapshot, options, textEncoding);
    REQUIRE(owned);
    CHECK(owned->diff.remove == std::vector<std::size_t>{0});
    CHECK(owned->removed == std::vector<std::string>{filter.render()});

    snapshot.rulesFile = std::string("# record filter of gpaudit-x\n");
    auto broken = planPolicyApply(translation, snapshot, options, textEncoding);
    REQUIRE_FALSE(broken);
    CHECK(broken.error().where.file == options.rulesFile);
}

TEST_CASE("policy plan: the fast-path rule comes first, from the coverage of the platform's machines")
{
    const auto &mapping = test::data().mapping;
    Translation translation;
    translation.rules = {exitRule("execve", "process-creation")};
    KernelSnapshot snapshot;
    PolicyApplyOptions options;
    options.mapping = &mapping;
    options.arch = "x86_64";

    // The snapshot has what libaudit could read for x86_64 only (i386 unknown to it): one rule, for b64.
    snapshot.foreign = {{"x86_64", {}}, {"aarch64", {{}, false}}};
    auto plan = planPolicyApply(translation, snapshot, options, textEncoding);
    REQUIRE(plan);
    REQUIRE(plan->rules.size() == 2);
    CHECK(plan->rules.front().action == AuditRule::Action::Never);
    CHECK(plan->rules.front().arch == "b64");
    CHECK(plan->rules.front().keys == std::vector<std::string>{kFastPathKey});
    CHECK(plan->rules.back() == translation.rules.front());
    CHECK(plan->desired.front().prepend); // never rules go to the front of their list
    CHECK(plan->rulesFileContent.find("gpaudit-fast-path") != std::string::npos);

    SUBCASE("a foreign rule libaudit cannot bound on x86_64: no fast-path rule")
    {
        snapshot.foreign["x86_64"].bounded = false;
        auto none = planPolicyApply(translation, snapshot, options, textEncoding);
        REQUIRE(none);
        CHECK(none->rules == translation.rules);
    }
    SUBCASE("an empty policy: no fast-path rule either")
    {
        auto empty = planPolicyApply(Translation{}, snapshot, options, textEncoding);
        REQUIRE(empty);
        CHECK(empty->rules.empty());
    }
}
