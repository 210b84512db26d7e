// SPDX-License-Identifier: GPL-2.0-or-later
// The worst audit.csv files of up to 4 MiB we could construct, each processed (parsed, merged,
// translated, the rules file rendered, as a sync does before it applies) or rejected under the
// default limits of gpauditd.conf(5), in a child process of its own: prints the wall time of the
// processing, the child's CPU time (building the file included) and peak RSS per file. Not a test: it asserts nothing
// and prints figures.
//
//   build/tests/bench/gpaudit-bench-limits [--write DIR] [--ceilings]
//
// --write DIR also writes each constructed file (and DIR/sidmap.txt, every SID of the files) so that
// other builds can be measured on the same input, e.g. main's gpauditctl (README, "Limits").
// --ceilings runs with every limit at its ceiling (max_per_user_sids 4096, max_rules 65536...).
#include "core/linux/apply_plan.hxx"
#include "core/linux/translate.hxx"
#include "host/data/rules_data.hxx"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace gpaudit;

namespace {

constexpr std::size_t kTarget = 4u << 20; // 4 MiB
const char *kHeader =
    "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n";

std::string sid(std::size_t n)
{
    return "S-1-5-21-1004336348-1177238915-682003330-" + std::to_string(100000 + n);
}

// Every SID of the files resolves to a user: uid = its last sub-authority (the worst case: every
// per-user row and trustee becomes rules).
struct EveryoneResolves final : core::SidResolver {
    std::optional<core::SidResolution> resolve(const core::Sid &s) const override
    {
        const auto text = s.str();
        return core::SidResolution{core::SidResolution::Kind::User,
                                   static_cast<std::uint32_t>(std::stoul(text.substr(text.rfind('-') + 1)))};
    }
    std::string source() const override { return "the benchmark"; }
};

struct Case {
    std::string name;
    std::function<std::string(const core::Catalog &)> make;
};

std::string userRow(const core::Subcategory &sub, const std::string &target, int value)
{
    return "HOST," + target + "," + sub.name + ",{" + sub.guid + "},x,x," + std::to_string(value) + "\r\n";
}

// Appends rows from next(i) while the file stays within kTarget.
std::string fill(std::string text, const std::function<std::string(std::size_t)> &next)
{
    for (std::size_t i = 0;; ++i) {
        auto row = next(i);
        if (text.size() + row.size() > kTarget)
            return text;
        text += row;
    }
}

std::vector<Case> cases()
{
    return {
        {"per-user rows, each a new SID (the issue's reproduction, to 4 MiB)",
         [](const core::Catalog &c) {
             const auto &subs = c.subcategories();
             return fill(kHeader, [&](std::size_t i) { return userRow(subs[i % subs.size()], sid(i), 1); });
         }},
        {"1,000 per-user rows, each a new SID (the issue's 89 KB file)",
         [](const core::Catalog &c) {
             const auto &subs = c.subcategories();
             std::string text = kHeader;
             for (std::size_t i = 0; i < 1000; ++i)
                 text += userRow(subs[i % subs.size()], sid(i), 1);
             return text;
         }},
        {"32 SIDs (the limit) x every subcategory, Include S+F, rows repeated to 4 MiB",
         [](const core::Catalog &c) {
             const auto &subs = c.subcategories();
             return fill(kHeader, [&](std::size_t i) { return userRow(subs[(i / 32) % subs.size()], sid(i % 32), 5); });
         }},
        {"32 SIDs (the limit), one Include Failure row each (+<6>), duplicates to 4 MiB",
         [](const core::Catalog &c) {
             const auto &subs = c.subcategories();
             return fill(kHeader, [&](std::size_t i) { return userRow(subs[0], sid(i % 32), 4); });
         }},
        {"64 SIDs x every subcategory, Include S+F, rows repeated to 4 MiB",
         [](const core::Catalog &c) {
             const auto &subs = c.subcategories();
             return fill(kHeader, [&](std::size_t i) { return userRow(subs[(i / 64) % subs.size()], sid(i % 64), 5); });
         }},
        {"every subcategory S+F, 32 users excluded from all, duplicates to 4 MiB",
         [](const core::Catalog &c) {
             std::string text = kHeader;
             for (const auto &sub : c.subcategories())
                 text += userRow(sub, "System", 3);
             return fill(text, [&](std::size_t i) {
                 const auto &subs = c.subcategories();
                 return userRow(subs[(i / 32) % subs.size()], sid(i % 32), 0xA);
             });
         }},
        {"one FileGlobalSacl row of distinct ACEs (4 MiB)",
         [](const core::Catalog &c) {
             std::string text = kHeader;
             text += userRow(*c.bySlug("file-system"), "System", 3);
             text += "H,,FileGlobalSacl,,,,S:";
             return fill(text, [](std::size_t i) { return "(AU;SAFA;FW;;;" + sid(i) + ")"; }) + "\r\n";
         }},
        {"FileGlobalSacl: 1,024 distinct ACEs (the limit), then duplicates to 4 MiB",
         [](const core::Catalog &c) {
             std::string text = kHeader;
             text += userRow(*c.bySlug("file-system"), "System", 3);
             text += "H,,FileGlobalSacl,,,,S:";
             return fill(text, [](std::size_t i) { return "(AU;SAFA;FW;;;" + sid(i % 1024) + ")"; }) + "\r\n";
         }},
        {"the same system row repeated to 4 MiB",
         [](const core::Catalog &c) {
             return fill(kHeader, [&](std::size_t) { return userRow(c.subcategories()[0], "System", 3); });
         }},
        {"one line: a 4 MiB quoted Machine Name with doubled quotes",
         [](const core::Catalog &c) {
             const auto rest = "\"," + userRow(c.subcategories()[0], "System", 3).substr(5);
             std::string text = std::string(kHeader) + "\"";
             while (text.size() + 8 + rest.size() <= kTarget)
                 text += "ab\"\"cd\"\"";
             return text + rest;
         }},
        {"a header of 4 MiB of empty columns",
         [](const core::Catalog &) {
             const std::string header(kHeader);
             return fill(header.substr(0, header.size() - 2), [](std::size_t) { return std::string(","); });
         }},
        {"rows of 60 columns (the header's too), 4 MiB",
         [](const core::Catalog &c) {
             const std::string extra(53, ',');
             std::string header = std::string(kHeader);
             header.insert(header.size() - 2, extra);
             auto row = userRow(c.subcategories()[0], "System", 3);
             row.insert(row.size() - 2, extra);
             return fill(header, [&](std::size_t) { return row; });
         }},
    };
}

struct Figures {
    double ms = 0;
    char outcome[400] = {};
};

Figures run(const host::RulesData &data, const std::string &text, const core::PolicyLimits &limits)
{
    Figures f;
    const auto start = std::chrono::steady_clock::now();
    auto outcome = [&](std::string s) {
        if (s.size() > sizeof f.outcome - 1)
            s = s.substr(0, sizeof f.outcome - 4) + "...";
        (void)std::snprintf(f.outcome, sizeof f.outcome, "%s", s.c_str());
    };
    auto csv = core::parseAuditCsv(text, "audit.csv", data.catalog, limits);
    if (!csv) {
        outcome("rejected: " + csv.error().str());
    } else {
        std::vector<core::GpoInput> inputs(1);
        inputs[0].gpo = {"7C6E2D30-0000-4000-8000-000000000001", "Bench"};
        const auto warnings = csv->warnings.size();
        inputs[0].auditCsv = std::move(*csv);
        const auto resultant = core::merge(data.catalog, inputs, core::LegacyMode::Auto);
        EveryoneResolves resolver;
        core::TranslateOptions options;
        options.resolver = &resolver;
        options.maxRules = limits.maxRules;
        auto translation = core::translate(data.catalog, data.mapping, resultant, options);
        if (!translation) {
            outcome("refused: " + translation.error().str());
        } else {
            const auto file = core::renderRulesFile(*translation, {"bench"});
            // The apply's diff against an empty kernel, by the rules' text (the kernel form needs libaudit).
            std::vector<core::DesiredRule> desired;
            for (const auto &rule : translation->rules)
                desired.push_back({rule.render(), rule.action == core::AuditRule::Action::Never});
            const auto plan = core::planApply(desired, {});
            outcome("processed: " + std::to_string(translation->rules.size()) + " rules (" +
                    std::to_string(plan.add.size()) + " to add), rules file " + std::to_string(file.size() / 1024) +
                    " KiB, " + std::to_string(warnings) + " warnings kept");
        }
    }
    f.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return f;
}

} // namespace

int main(int argc, char **argv)
{
    std::string writeDir;
    core::PolicyLimits limits;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--write") == 0 && i + 1 < argc) {
            writeDir = argv[++i];
        } else if (std::strcmp(argv[i], "--ceilings") == 0) {
            limits = {core::kMaxFileSizeCeiling, core::kMaxPerUserSidsCeiling, core::kMaxSaclAcesCeiling,
                      core::kMaxRulesCeiling};
        } else {
            (void)std::fprintf(stderr, "usage: %s [--write DIR] [--ceilings]\n", argv[0]);
            return 2;
        }
    }
    auto data = host::loadRulesData();
    if (!data) {
        (void)std::fprintf(stderr, "rules data: %s\n", data.error().str().c_str());
        return 1;
    }
    std::printf("limits: max_file_size %zu, max_per_user_sids %zu, max_sacl_aces %zu, max_rules %zu\n",
                limits.maxFileSize, limits.maxPerUserSids, limits.maxSaclAces, limits.maxRules);
    std::printf("%-80s %9s %9s %9s %10s  %s\n", "file", "size KiB", "wall ms", "CPU ms", "peak RSS", "outcome");
    const auto all = cases();
    for (std::size_t n = 0; n <= all.size(); ++n) {
        // Case 0 is a baseline: a child that builds no file (its RSS is the program's own).
        int fds[2];
        if (::pipe(fds) != 0)
            return 1;
        const pid_t child = ::fork();
        if (child == 0) {
            ::close(fds[0]);
            Figures f;
            std::size_t size = 0;
            if (n == 0) {
                (void)std::snprintf(f.outcome, sizeof f.outcome, "(baseline: the program, no file)");
            } else {
                const auto text = all[n - 1].make(data->catalog);
                size = text.size();
                if (!writeDir.empty())
                    std::ofstream(writeDir + "/case-" + std::to_string(n) + ".csv", std::ios::binary) << text;
                f = run(*data, text, limits);
            }
            const auto ok = ::write(fds[1], &f, sizeof f) == static_cast<ssize_t>(sizeof f) &&
                            ::write(fds[1], &size, sizeof size) == static_cast<ssize_t>(sizeof size);
            ::_exit(ok ? 0 : 1);
        }
        ::close(fds[1]);
        Figures f;
        std::size_t size = 0;
        const bool got = ::read(fds[0], &f, sizeof f) == static_cast<ssize_t>(sizeof f) &&
                         ::read(fds[0], &size, sizeof size) == static_cast<ssize_t>(sizeof size);
        ::close(fds[0]);
        int status = 0;
        struct rusage usage {};
        ::wait4(child, &status, 0, &usage);
        if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::printf("%-80s failed\n", n == 0 ? "baseline" : all[n - 1].name.c_str());
            continue;
        }
        // CPU time of the whole child (building the file included): robust on a loaded machine.
        const double cpuMs = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
                             static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
        std::printf("%-80s %9zu %9.1f %9.1f %7.1f MB  %s\n", n == 0 ? "baseline" : all[n - 1].name.c_str(), size / 1024,
                    f.ms, cpuMs, static_cast<double>(usage.ru_maxrss) / 1024.0, f.outcome);
        (void)std::fflush(stdout);
    }
    if (!writeDir.empty()) {
        std::ofstream map(writeDir + "/sidmap.txt");
        for (std::size_t i = 0; i < 2048; ++i)
            map << sid(i) << " user " << 100000 + i << "\n";
    }
    return 0;
}
