// SPDX-License-Identifier: GPL-2.0-or-later
// kernel::applyTranslation and kernel::revert against a kernel double: an immutable kernel (-e 2) gets the policy
// staged in the rules file and not one request that would change it; report-only writes nothing. The
// real kernel is never locked by a test (it would stay locked until reboot).
#include "helpers.hxx"

#include "core/linux/apply_plan.hxx"
#include "host/files/files.hxx"
#include "kernel/apply.hxx"

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace gpaudit;
using test::kHeader;
using test::row;

namespace {

struct TempDir {
    TempDir()
    {
        char pattern[] = "/tmp/gpaudit-kernel-apply-test.XXXXXX";
        path = ::mkdtemp(pattern);
        std::filesystem::create_directories(path + "/rules.d");
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
};

// The kernel as apply sees it: a status and a rule list. Every request that would change the kernel
// is counted; on an immutable kernel it fails as the real one does (EPERM).
class KernelDouble final : public kernel::KernelAudit {
  public:
    kernel::KernelStatus state;
    struct Held {
        std::string identity;
        std::vector<std::string> keys;
    };
    std::vector<Held> rules;
    std::size_t adds = 0, deletes = 0, settings = 0;

    Result<kernel::KernelStatus> status() override { return state; }
    Result<std::vector<kernel::KernelRule>> listRules() override
    {
        std::vector<kernel::KernelRule> out;
        for (const auto &held : rules) {
            kernel::KernelRule rule;
            rule.identity = held.identity;
            rule.keys = held.keys;
            out.push_back(std::move(rule));
        }
        return out;
    }
    Result<void> addRule(const kernel::KernelRule &rule, bool) override
    {
        ++adds;
        if (state.enabled == 2)
            return fail("Operation not permitted");
        rules.push_back({rule.identity, rule.keys});
        return {};
    }
    Result<void> deleteRule(const kernel::KernelRule &rule) override
    {
        ++deletes;
        if (state.enabled == 2)
            return fail("Operation not permitted");
        std::erase_if(rules, [&](const Held &held) { return held.identity == rule.identity; });
        return {};
    }
    Result<void> setStatus(char flag, std::uint32_t value) override
    {
        ++settings;
        if (state.enabled == 2)
            return fail("Operation not permitted");
        (flag == 'f' ? state.failure : flag == 'b' ? state.backlogLimit : state.rateLimit) = value;
        return {};
    }
    [[nodiscard]] std::size_t writes() const override { return adds + deletes + settings; }

    // What augenrules does at boot: the rules file's rules and settings loaded.
    void boot(const core::Translation &translation)
    {
        rules.clear();
        for (const auto &rule : translation.rules) {
            auto built = kernel::buildRule(rule);
            REQUIRE(built);
            rules.push_back({built->identity, built->keys});
        }
        for (const auto &setting : translation.status)
            (setting.flag == 'f'   ? state.failure
             : setting.flag == 'b' ? state.backlogLimit
                                   : state.rateLimit) = setting.value;
    }
};

core::Translation policy()
{
    static std::vector<core::GpoInput> keep;
    keep = {test::gpo("Test GPO", std::string(kHeader) + row("process-creation", 3) + row("logon", 4) +
                                      "H,,Option:CrashOnAuditFail,,Enabled,,1\r\n")};
    return test::translate(core::merge(test::data().catalog, keep, core::LegacyMode::Auto));
}

std::string slurp(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("an immutable kernel: the policy is staged in the rules file, not one kernel request")
{
    TempDir dir;
    const auto translation = policy();
    kernel::ApplyOptions options;
    options.rulesFile = dir.path + "/rules.d/30-gpaudit.rules";
    KernelDouble kernel;
    kernel.state.enabled = 2;
    kernel.state.failure = 1;

    auto report = kernel::applyTranslation(kernel, translation, options);
    REQUIRE(report);
    CHECK(report->mode == core::ApplyMode::Stage);
    CHECK(report->modeReason.find("immutable (-e 2)") != std::string::npos);
    CHECK(kernel.writes() == 0); // no add, delete or status setting was even attempted
    CHECK(report->netlinkWrites == 0);
    CHECK(report->rulesFileWritten);
    CHECK(report->added.size() == translation.rules.size()); // what the next boot adds
    CHECK_FALSE(report->statusChanges.empty());              // -f 2, -b 8192: at the next boot
    const auto file = slurp(options.rulesFile);
    CHECK(file == core::renderRulesFile(translation, {}));
    CHECK(file.find("-f 2\n") != std::string::npos);

    SUBCASE("staged again: nothing to write")
    {
        auto again = kernel::applyTranslation(kernel, translation, options);
        REQUIRE(again);
        CHECK(again->mode == core::ApplyMode::Stage);
        CHECK_FALSE(again->rulesFileWritten);
        CHECK(kernel.writes() == 0);
    }
    SUBCASE("after the reboot the kernel holds the staged policy: in force, nothing to do")
    {
        kernel.boot(translation);
        auto after = kernel::applyTranslation(kernel, translation, options);
        REQUIRE(after);
        CHECK(after->mode == core::ApplyMode::Apply);
        CHECK(after->added.empty());
        CHECK(after->removed.empty());
        CHECK(after->unchanged == translation.rules.size());
        CHECK(kernel.writes() == 0);
    }
    SUBCASE("a dry run stages nothing")
    {
        std::filesystem::remove(options.rulesFile);
        options.dryRun = true;
        auto dry = kernel::applyTranslation(kernel, translation, options);
        REQUIRE(dry);
        CHECK(dry->mode == core::ApplyMode::Stage);
        CHECK_FALSE(std::filesystem::exists(options.rulesFile));
        CHECK(kernel.writes() == 0);
    }
    SUBCASE("without a rules file nothing could take effect: an error")
    {
        options.rulesFile.clear();
        auto none = kernel::applyTranslation(kernel, translation, options);
        REQUIRE_FALSE(none);
        CHECK(none.error().message.find("no rules file is configured") != std::string::npos);
        CHECK(kernel.writes() == 0);
    }
    SUBCASE("revert on the immutable kernel removes only the rules file")
    {
        kernel.boot(translation);
        auto reverted = kernel::revert(kernel, options.rulesFile, false);
        REQUIRE(reverted);
        CHECK(reverted->staged);
        CHECK(reverted->rulesFileRemoved);
        CHECK_FALSE(reverted->removed.empty()); // what the next boot no longer has
        CHECK_FALSE(std::filesystem::exists(options.rulesFile));
        CHECK(kernel.writes() == 0);
    }
}

TEST_CASE("a mutable kernel gets the policy (the double counts what the real kernel would be sent)")
{
    TempDir dir;
    const auto translation = policy();
    kernel::ApplyOptions options;
    options.rulesFile = dir.path + "/rules.d/30-gpaudit.rules";
    KernelDouble kernel;
    kernel.state.enabled = 1;
    auto report = kernel::applyTranslation(kernel, translation, options);
    REQUIRE(report);
    CHECK(report->mode == core::ApplyMode::Apply);
    CHECK(kernel.adds == translation.rules.size());
    CHECK(kernel.settings == 2); // -f 2 and -b 8192; -r 0 is the double's already
    CHECK(report->rulesFileWritten);
}

TEST_CASE("report-only: computed and reported, nothing sent, no rules file")
{
    TempDir dir;
    const auto translation = policy();
    kernel::ApplyOptions options;
    options.rulesFile = dir.path + "/rules.d/30-gpaudit.rules";
    options.reportOnly = true;
    for (std::uint32_t enabled : {1u, 2u}) {
        KernelDouble kernel;
        kernel.state.enabled = enabled;
        auto report = kernel::applyTranslation(kernel, translation, options);
        REQUIRE(report);
        CHECK(report->mode == core::ApplyMode::ReportOnly);
        CHECK(report->added.size() == translation.rules.size());
        CHECK_FALSE(report->rulesFileWritten);
        CHECK(kernel.writes() == 0);
        CHECK_FALSE(std::filesystem::exists(options.rulesFile));
    }
}
