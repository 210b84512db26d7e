// SPDX-License-Identifier: GPL-2.0-or-later
// The fast-path rule's decision (core/linux/fast_path): which hot syscalls go into `-a never,exit`,
// given the desired rules and what the kernel's other rules match (read by lib/kernel with libaudit).
#include "core/linux/fast_path.hxx"
#include "helpers.hxx"

#include <algorithm>

using namespace gpaudit::core;

namespace {

const Abi kB64{"b64", "x86_64", {"stat"}};
const Abi kB32{"b32", "i386", {}};

bool contains(const std::vector<std::string> &names, const std::string &name)
{
    return std::find(names.begin(), names.end(), name) != names.end();
}

AuditRule exitRule(std::string arch, std::vector<std::string> syscalls, std::vector<FieldSpec> fields = {})
{
    return {AuditRule::List::Exit, AuditRule::Action::Always, std::move(arch),
            std::move(syscalls),   std::move(fields),         {"gpaudit-x"}};
}

} // namespace

TEST_CASE("nothing loaded: every hot syscall the ABI has, sorted, in one never rule per ABI")
{
    const auto &mapping = test::data().mapping;
    REQUIRE_FALSE(mapping.fastPath().empty());
    const auto rules = fastPathRules(mapping, {kB64, kB32}, {}, {{"b64", {}}, {"b32", {}}});
    REQUIRE(rules.size() == 2);
    const auto &rule = rules[0];
    CHECK(rule.list == AuditRule::List::Exit);
    CHECK(rule.action == AuditRule::Action::Never);
    CHECK(rule.arch == "b64");
    CHECK(rule.keys == std::vector<std::string>{kFastPathKey});
    CHECK(std::is_sorted(rule.syscalls.begin(), rule.syscalls.end()));
    CHECK_FALSE(contains(rule.syscalls, "stat")); // absent on this ABI
    CHECK(contains(rules[1].syscalls, "stat"));
    CHECK(rule.syscalls.size() + 1 == mapping.fastPath().size());
}

TEST_CASE("the desired rules' syscalls and perm classes are left out, on their ABI only")
{
    const auto &mapping = test::data().mapping;
    const auto &write = mapping.permSyscalls('w');
    REQUIRE_FALSE(write.empty());
    const std::vector<AuditRule> desired = {
        exitRule("b64", {"read", "getpid"}), exitRule("b32", {"close"}),
        exitRule("", {}, {{"path", "=", "/etc/shadow", false}, {"perm", "=", "wa", false}}), // a watch: every ABI
    };
    const auto rules = fastPathRules(mapping, {kB64, kB32}, desired, {{"b64", {}}, {"b32", {}}});
    REQUIRE(rules.size() == 2);
    CHECK_FALSE(contains(rules[0].syscalls, "read"));
    CHECK_FALSE(contains(rules[0].syscalls, "getpid"));
    CHECK(contains(rules[0].syscalls, "close"));
    CHECK(contains(rules[1].syscalls, "read"));
    CHECK_FALSE(contains(rules[1].syscalls, "close"));
    for (const auto &name : write)
        for (const auto &rule : rules)
            CHECK_MESSAGE(!contains(rule.syscalls, name), name);
}

TEST_CASE("the kernel's other rules: their syscalls left out; unbounded or unknown ABI, no rule")
{
    const auto &mapping = test::data().mapping;
    ForeignCoverage foreign;
    foreign.syscalls = {"futex", "getpid"};
    auto rules = fastPathRules(mapping, {kB64, kB32}, {}, {{"b64", foreign}, {"b32", ForeignCoverage{{}, false}}});
    REQUIRE(rules.size() == 1); // b32: a rule whose syscalls cannot be named
    CHECK(rules[0].arch == "b64");
    CHECK_FALSE(contains(rules[0].syscalls, "futex"));
    CHECK_FALSE(contains(rules[0].syscalls, "getpid"));
    CHECK(fastPathRules(mapping, {kB64, kB32}, {}, {{"b64", {}}}).size() == 1); // b32 unknown to libaudit
    // Everything covered: no rule at all rather than an empty -S.
    ForeignCoverage all;
    all.syscalls.insert(mapping.fastPath().begin(), mapping.fastPath().end());
    CHECK(fastPathRules(mapping, {kB64}, {}, {{"b64", all}}).empty());
}
