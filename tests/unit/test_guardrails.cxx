// SPDX-License-Identifier: GPL-2.0-or-later
// What an apply does with the kernel it finds (immutable -> staged, report-only), gpauditd.conf's
// guardrails on what a GPO may do, and the invariant that no policy content turns auditing off,
// checked over every case in tests/data.
#include "helpers.hxx"

#include "core/base/config.hxx"
#include "core/linux/apply_plan.hxx"
#include "core/linux/guardrails.hxx"
#include "host/files/files.hxx"
#include "host/gpo/offline.hxx"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

using namespace gpaudit::core;
using test::kHeader;
using test::row;

namespace {

Resultant resultantOf(const std::string &auditCsv)
{
    static std::vector<GpoInput> keep;
    keep = {test::gpo("Test GPO", auditCsv)};
    return merge(test::data().catalog, keep, LegacyMode::Auto);
}

bool hasNote(const Translation &t, std::string_view text)
{
    return std::any_of(t.notes.begin(), t.notes.end(),
                       [&](const auto &n) { return n.message.find(text) != std::string::npos; });
}

std::optional<std::uint32_t> statusOf(const Translation &t, char flag)
{
    for (const auto &s : t.status)
        if (s.flag == flag)
            return s.value;
    return std::nullopt;
}

bool hasRule(const Translation &t, std::string_view text)
{
    return std::any_of(t.rules.begin(), t.rules.end(), [&](const auto &r) { return r.render() == text; });
}

// A status double: what `auditctl -s` would say.
AuditStatus kernelAt(std::uint32_t enabled, std::uint32_t failure = 1, std::uint32_t backlog = 8192)
{
    return {enabled, failure, backlog, 0};
}

const std::vector<StatusSetting> kCrash = {{'f', 2, "CrashOnAuditFail=1"}, {'b', 8192, "bursts"}, {'r', 0, "x"}};

struct UidResolver final : SidResolver {
    std::optional<SidResolution> resolve(const Sid &sid) const override
    {
        if (sid.str() == "S-1-5-21-1-2-3-1001")
            return SidResolution{SidResolution::Kind::User, 1001};
        if (sid.str() == "S-1-5-21-1-2-3-500")
            return SidResolution{SidResolution::Kind::User, 0};
        return std::nullopt;
    }
};

} // namespace

// ---------------------------------------------------------------------------------------------------
// The decision (pure): never a netlink write on an immutable kernel.

TEST_CASE("apply decision: a mutable kernel gets the policy; status settings that differ are written")
{
    for (std::uint32_t enabled : {0u, 1u}) {
        const auto d = decideApply(kernelAt(enabled, 1, 64), kCrash, false, false, false);
        CHECK(d.mode == ApplyMode::Apply);
        CHECK(d.kernelWrites);
        CHECK(d.rulesFileWrite);
        REQUIRE(d.statusToSet.size() == 2); // -f 2 and -b 8192; -r 0 is the kernel's already
        CHECK(d.statusToSet[0].flag == 'f');
        CHECK(d.statusChanges[0] == "-f 2 (was 1; CrashOnAuditFail=1)");
        CHECK(modeName(d.mode) == "applied");
    }
}

TEST_CASE("apply decision: an immutable kernel (-e 2) is staged: rules file only, no kernel write at all")
{
    const auto d = decideApply(kernelAt(2, 1, 64), kCrash, false, false, false);
    CHECK(d.mode == ApplyMode::Stage);
    CHECK_FALSE(d.kernelWrites);
    CHECK(d.rulesFileWrite);
    CHECK(d.statusToSet.empty());       // nothing to send...
    CHECK(d.statusChanges.size() == 2); // ...but the next boot's changes are reported
    CHECK(d.reason.find("immutable (-e 2)") != std::string::npos);
    CHECK(modeName(d.mode) == "staged, takes effect at the next boot");
    CHECK(modeKey(d.mode) == "staged");

    SUBCASE("a dry run stages nothing either")
    {
        const auto dry = decideApply(kernelAt(2), kCrash, false, false, true);
        CHECK(dry.mode == ApplyMode::Stage);
        CHECK_FALSE(dry.kernelWrites);
        CHECK_FALSE(dry.rulesFileWrite);
    }
    SUBCASE("rules in force but a status setting differs: still staged")
    {
        const auto d2 = decideApply(kernelAt(2, 1, 8192), kCrash, true, false, false);
        CHECK(d2.mode == ApplyMode::Stage);
        CHECK_FALSE(d2.kernelWrites);
    }
}

TEST_CASE("apply decision: an immutable kernel that loaded the staged file at boot holds the policy")
{
    // After the reboot augenrules loaded the staged rules before the site's -e 2: nothing to change,
    // no write is needed, the policy is in force.
    const auto d = decideApply(kernelAt(2, 2, 8192), kCrash, true, false, false);
    CHECK(d.mode == ApplyMode::Apply);
    CHECK(d.statusToSet.empty());
    CHECK(d.statusChanges.empty());
}

TEST_CASE("apply decision: report-only writes nothing, whatever the kernel")
{
    for (std::uint32_t enabled : {0u, 1u, 2u}) {
        const auto d = decideApply(kernelAt(enabled, 1, 64), kCrash, false, true, false);
        CHECK(d.mode == ApplyMode::ReportOnly);
        CHECK_FALSE(d.kernelWrites);
        CHECK_FALSE(d.rulesFileWrite);
        CHECK(d.statusToSet.empty());
        CHECK(d.statusChanges.size() == 2); // what it would set
        CHECK(d.reason.find("report_only") != std::string::npos);
        CHECK((d.reason.find("immutable") != std::string::npos) == (enabled == 2));
    }
    CHECK(modeName(ApplyMode::ReportOnly) == "report-only");
}

TEST_CASE("apply decision: a dry run on a mutable kernel writes nothing")
{
    const auto d = decideApply(kernelAt(1), kCrash, false, false, true);
    CHECK(d.mode == ApplyMode::Apply);
    CHECK_FALSE(d.kernelWrites);
    CHECK_FALSE(d.rulesFileWrite);
}

// ---------------------------------------------------------------------------------------------------
// Guardrails.

TEST_CASE("failure_mode_max lowers CrashOnAuditFail's panic and says so; backlog_min raises the backlog")
{
    const auto crash = std::string(kHeader) + "H,,Option:CrashOnAuditFail,,Enabled,,1\r\n";
    auto t = test::translate(resultantOf(crash));
    REQUIRE(statusOf(t, 'f') == 2u);
    REQUIRE(statusOf(t, 'b') == 8192u);
    Guardrails g;
    g.failureModeMax = 1;
    g.backlogMin = 32768;
    const auto changes = applyGuardrails(t, g);
    CHECK(statusOf(t, 'f') == 1u);
    CHECK(statusOf(t, 'b') == 32768u);
    CHECK(changes.size() == 2);
    CHECK(hasNote(t, "failure_mode_max 1 (gpauditd.conf): the policy's failure mode 2"));
    CHECK(hasNote(t, "backlog_min 32768 (gpauditd.conf): the policy's backlog limit 8192 is raised to 32768"));
    CHECK(renderRulesFile(t, {}).find("-f 1\n-b 32768\n") != std::string::npos);

    SUBCASE("within the limits: nothing changes, nothing is said")
    {
        auto same = test::translate(resultantOf(crash));
        Guardrails loose;
        loose.failureModeMax = 2;
        loose.backlogMin = 4096;
        CHECK(applyGuardrails(same, loose).empty());
        CHECK(statusOf(same, 'f') == 2u);
        CHECK(statusOf(same, 'b') == 8192u);
    }
    SUBCASE("failure_mode_max 0 also lowers CrashOnAuditFail=0's -f 1")
    {
        auto off = test::translate(resultantOf(std::string(kHeader) + "H,,Option:CrashOnAuditFail,,Disabled,,0\r\n"));
        Guardrails zero;
        zero.failureModeMax = 0;
        applyGuardrails(off, zero);
        CHECK(statusOf(off, 'f') == 0u);
    }
}

TEST_CASE("keep_record_types: a GPO cannot switch the kept record types off")
{
    // Logon No Auditing switches LOGIN (kernel) and USER_LOGIN... (user space) off.
    auto t = test::translate(resultantOf(std::string(kHeader) + row("logon", 4)));
    REQUIRE(hasRule(t, "-a never,user -F msgtype=USER_LOGIN"));
    REQUIRE(hasRule(t, "-a always,exclude -F msgtype=LOGIN"));
    REQUIRE(hasRule(t, "-a never,user -F msgtype=USER_START"));
    Guardrails g;
    g.keepRecordTypes = {"LOGIN", "USER_LOGIN"}; // sorted, as parseConfig leaves them
    const auto changes = applyGuardrails(t, g);
    CHECK_FALSE(hasRule(t, "-a never,user -F msgtype=USER_LOGIN"));
    CHECK_FALSE(hasRule(t, "-a always,exclude -F msgtype=LOGIN"));
    CHECK(hasRule(t, "-a never,user -F msgtype=USER_START")); // not kept: the GPO decides
    CHECK(changes.size() == 2);
    CHECK(hasNote(t, "keep_record_types (gpauditd.conf): records of type USER_LOGIN stay on"));
}

TEST_CASE("keep_record_types SYSCALL: per-user exclusions never suppress SYSCALL records of other rules")
{
    // An exclusion narrows only gpaudit's own rules of that subcategory (-F auid!=UID, MS-GPAC
    // 2.2.1.3.2): there is no never rule that could hide a SYSCALL record of another rule, so the
    // guardrail has nothing to take out and the exclusion stays.
    UidResolver resolver;
    TranslateOptions options;
    options.resolver = &resolver;
    auto t = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 3) +
                                         row("process-creation", 2, "S-1-5-21-1-2-3-1001")),
                             options);
    const auto never = [](const auto &r) { return r.action == AuditRule::Action::Never; };
    CHECK(std::none_of(t.rules.begin(), t.rules.end(), never));
    Guardrails g;
    g.keepRecordTypes = {"SYSCALL"};
    applyGuardrails(t, g);
    CHECK(std::none_of(t.rules.begin(), t.rules.end(), never));
    CHECK(renderRulesFile(t, {}).find("-F auid!=1001") != std::string::npos);
}

TEST_CASE("gpauditd.conf guardrail keys: parsed, normalised and checked")
{
    auto config = parseConfig("report_only: true\nfailure_mode_max: 1\nbacklog_min: 16384\n"
                              "keep_record_types: [user_login, LOGIN, USER_LOGIN]\n",
                              "c.conf");
    REQUIRE(config);
    CHECK(config->guardrails.reportOnly);
    CHECK(config->guardrails.failureModeMax == 1u);
    CHECK(config->guardrails.backlogMin == 16384u);
    CHECK(config->guardrails.keepRecordTypes == std::vector<std::string>{"LOGIN", "USER_LOGIN"});
    auto empty = parseConfig("", "c.conf");
    REQUIRE(empty);
    CHECK_FALSE(empty->guardrails.any());

    struct Bad {
        const char *text;
        const char *message;
    };
    for (const auto &bad :
         {Bad{"failure_mode_max: 3\n", "c.conf:1:19: \"failure_mode_max\" takes a number from 0 to 2"},
          Bad{"report_only: maybe\n", "c.conf:1:14: \"report_only\" takes true or false"},
          Bad{"backlog_min: lots\n", "c.conf:1:14: \"backlog_min\" takes a number"},
          Bad{"keep_record_types: USER_LOGIN\n", "c.conf:1:20: \"keep_record_types\" takes a list"},
          Bad{"keep_record_types: [USER LOGIN]\n", "c.conf:1:21: \"keep_record_types\" takes record"}}) {
        auto parsed = parseConfig(bad.text, "c.conf");
        CAPTURE(bad.text);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().str().find(bad.message) == 0);
    }
}

// ---------------------------------------------------------------------------------------------------
// No policy content can turn auditing off.

TEST_CASE("the invariant check finds what would turn auditing off")
{
    const auto &mapping = test::data().mapping;
    Translation bad;
    bad.status = {{'e', 0, "x"}, {'f', 3, "x"}};
    bad.rules.push_back({AuditRule::List::Exit, AuditRule::Action::Never, "b64", {"execve"}, {}, {"process-creation"}});
    bad.rules.push_back(
        {AuditRule::List::Exit, AuditRule::Action::Never, "b64", {"execve"}, {{"auid", "=", "0"}}, {"logon"}});
    bad.rules.push_back({AuditRule::List::Exclude, AuditRule::Action::Always, "", {}, {{"uid", "=", "0"}}, {"logon"}});
    bad.rules.push_back(
        {AuditRule::List::Exclude, AuditRule::Action::Always, "", {}, {{"msgtype", "=", "CONFIG_CHANGE"}}, {"logon"}});
    bad.rules.push_back({AuditRule::List::Task, AuditRule::Action::Never, "", {}, {}, {"logon"}});
    const auto violations = auditingOffViolations(bad, mapping);
    CHECK(violations.size() == 7);
    Translation copy = bad;
    CHECK_FALSE(enforceGuardrails(copy, {}, mapping));

    const auto file = rulesFileViolations("# comment\n-f 1\n-e 2\n-D\n-a never,task\n-f 7\n-a always,exit -S all\n");
    CHECK(file.size() == 4); // -e 2, -D, the task rule, -f 7
}

TEST_CASE("no case in tests/data turns auditing off, with or without guardrails, on either platform")
{
    const char *dir = std::getenv("GPAUDIT_TEST_DATA");
    REQUIRE_MESSAGE(dir != nullptr, "GPAUDIT_TEST_DATA (set by meson) names tests/data");
    const auto &data = test::data();
    std::size_t cases = 0;
    for (const auto &entry : std::filesystem::directory_iterator(dir)) {
        // corpus/ holds the public source files the cases were made from, not a case.
        if (!entry.is_directory() || entry.path().filename() == "corpus")
            continue;
        const auto path = entry.path().string();
        CAPTURE(path);
        std::vector<gpaudit::host::PolicySource> sources;
        if (std::ifstream gpos(path + "/gpos"); gpos) {
            for (std::string line; std::getline(gpos, line);)
                if (!line.empty())
                    sources.push_back({gpaudit::host::PolicySource::Kind::GpoFolder, path + "/" + line});
        }
        if (std::filesystem::exists(path + "/audit.csv"))
            sources.push_back({gpaudit::host::PolicySource::Kind::AuditCsv, path + "/audit.csv"});
        if (std::filesystem::exists(path + "/GptTmpl.inf"))
            sources.push_back({gpaudit::host::PolicySource::Kind::GptTmplInf, path + "/GptTmpl.inf"});
        REQUIRE_FALSE(sources.empty());
        auto loaded = gpaudit::host::loadPolicySources(data.catalog, sources);
        REQUIRE(loaded);
        std::optional<gpaudit::host::SidMapResolver> sidMap;
        if (std::filesystem::exists(path + "/sidmap.txt")) {
            auto parsed = gpaudit::host::SidMapResolver::fromFile(path + "/sidmap.txt");
            REQUIRE(parsed);
            sidMap = std::move(*parsed);
        }
        ++cases;
        for (auto legacy : {LegacyMode::Auto, LegacyMode::Apply, LegacyMode::Ignore}) {
            for (const char *machine : {"x86_64", "aarch64"}) {
                TranslateOptions options;
                options.machine = machine;
                options.resolver = sidMap ? &*sidMap : nullptr;
                const auto resultant = merge(data.catalog, loaded->inputs, legacy);
                auto translation = translate(data.catalog, data.mapping, resultant, options);
                REQUIRE(translation);
                CHECK(auditingOffViolations(*translation, data.mapping).empty());
                CHECK(rulesFileViolations(renderRulesFile(*translation, {"header"})).empty());
                Guardrails strict;
                strict.failureModeMax = 0;
                strict.backlogMin = 65536;
                strict.keepRecordTypes = {"LOGIN", "SYSCALL", "USER_LOGIN"};
                auto limited = enforceGuardrails(*translation, strict, data.mapping);
                CHECK(limited);
                CHECK(rulesFileViolations(renderRulesFile(*translation, {})).empty());
            }
        }
    }
    MESSAGE(cases << " cases of tests/data checked");
    CHECK(cases >= 12);
}

TEST_CASE("the most hostile policy: every subcategory No Auditing, every per-user exclusion, root too")
{
    std::string csv = kHeader;
    bool on = false;
    for (const auto &sub : test::data().catalog.subcategories()) {
        on = !on; // every other one audited, so the exclusions have something to suppress
        csv += row(sub.slug, on ? 3 : 4);
        csv += row(sub.slug, 0x2 | 0x8, "S-1-5-21-1-2-3-1001"); // exclude success and failure
        csv += row(sub.slug, 0x2 | 0x8, "S-1-5-21-1-2-3-500");  // and for the administrator (uid 0)
    }
    csv += "H,,Option:CrashOnAuditFail,,Disabled,,0\r\n";
    UidResolver resolver;
    TranslateOptions options;
    options.resolver = &resolver;
    const auto t = test::translate(resultantOf(csv), options);
    CHECK(auditingOffViolations(t, test::data().mapping).empty());
    CHECK(rulesFileViolations(renderRulesFile(t, {})).empty());
    // CONFIG_CHANGE (who changed the audit rules) is never switched off.
    CHECK(renderRulesFile(t, {}).find("msgtype=CONFIG_CHANGE") == std::string::npos);
    // The exclusions of uid 1001 narrow our rules (MS-GPAC 2.2.1.3.2); the administrator's are not
    // honoured, and no rule is a never rule that could silence another.
    const auto text = renderRulesFile(t, {});
    CHECK(text.find("-F auid!=1001") != std::string::npos);
    CHECK(text.find("-F auid!=0") == std::string::npos);
    CHECK(std::none_of(t.rules.begin(), t.rules.end(), [](const auto &r) {
        return r.action == AuditRule::Action::Never && r.list == AuditRule::List::Exit;
    }));
}
