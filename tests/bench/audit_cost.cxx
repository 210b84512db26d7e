// SPDX-License-Identifier: GPL-2.0-or-later
// What gpaudit's rules cost every process on this machine: per-operation time of getpid (syscall()),
// openat+close, stat and fork+exec under several kernel audit states, measured in one run with the
// states interleaved round by round (the machine is noisy; compare figures of the same run only).
// Then the cost of applying policy (b): full apply, unchanged re-apply, one-subcategory change.
//
//   sudo build/tests/bench/gpaudit-bench-cost [--rounds N]
//
// Root. Saves the kernel's audit rules and status and restores them at the end; touches only rules
// it added. Not a test: it asserts nothing and prints figures.
#include "core/linux/translate.hxx"
#include "host/data/rules_data.hxx"
#include "host/files/files.hxx"
#include "host/gpo/offline.hxx"
#include "kernel/apply.hxx"

#include <libaudit.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <set>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#ifndef GPAUDIT_TEST_DATA
#error GPAUDIT_TEST_DATA must name tests/data
#endif

using namespace gpaudit;

namespace {

struct Figures {
    double getpid = 0, openClose = 0, stat = 0, forkExec = 0;
};

double nsPer(std::chrono::steady_clock::time_point start, std::size_t n)
{
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
           static_cast<double>(n);
}

// Runs in a forked worker: the audit context (or its absence) is the worker's own.
Figures measure(const std::string &file)
{
    Figures f;
    constexpr std::size_t kSyscalls = 200000, kOpens = 50000, kStats = 100000, kForks = 300;
    for (int i = 0; i < 2000; ++i)
        syscall(SYS_getpid); // warm-up
    auto t = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < kSyscalls; ++i)
        syscall(SYS_getpid);
    f.getpid = nsPer(t, kSyscalls);
    t = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < kOpens; ++i)
        close(open(file.c_str(), O_RDONLY | O_CLOEXEC));
    f.openClose = nsPer(t, kOpens);
    struct stat st {};
    t = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < kStats; ++i)
        ::stat(file.c_str(), &st);
    f.stat = nsPer(t, kStats);
    t = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < kForks; ++i) {
        const pid_t child = fork();
        if (child == 0) {
            execl("/bin/true", "true", static_cast<char *>(nullptr));
            _exit(127);
        }
        int status = 0;
        waitpid(child, &status, 0);
    }
    f.forkExec = nsPer(t, kForks);
    return f;
}

Figures inWorker(const std::string &file)
{
    int fds[2];
    if (pipe(fds) != 0)
        std::exit(1);
    const pid_t worker = fork();
    if (worker == 0) {
        close(fds[0]);
        const Figures f = measure(file);
        (void)!write(fds[1], &f, sizeof f);
        _exit(0);
    }
    close(fds[1]);
    Figures f;
    (void)!read(fds[0], &f, sizeof f);
    close(fds[0]);
    waitpid(worker, nullptr, 0);
    return f;
}

struct RuleSet {
    std::string name;
    std::vector<kernel::KernelRule> rules;
    std::size_t exitRules = 0;
};

Result<RuleSet> ruleSet(const std::string &name, const std::vector<core::AuditRule> &rules)
{
    RuleSet set{name, {}, 0};
    std::set<std::string> seen; // the kernel refuses a rule equal to one it holds
    for (const auto &rule : rules) {
        auto built = kernel::buildRule(rule);
        if (!built)
            return tl::unexpected(built.error());
        if (!seen.insert(built->identity).second)
            continue;
        // Rules on the exit list proper, walked for every syscall (file watches sit in the inode hash).
        set.exitRules += rule.list == core::AuditRule::List::Exit && !rule.isWatch() ? 1 : 0;
        set.rules.push_back(std::move(*built));
    }
    return set;
}

Result<core::Translation> translateFile(const host::RulesData &data, const std::string &auditCsv)
{
    auto loaded = host::loadPolicySources(data.catalog, {{host::PolicySource::Kind::AuditCsv, auditCsv}});
    if (!loaded)
        return tl::unexpected(loaded.error());
    const auto resultant = core::merge(data.catalog, loaded->inputs, core::LegacyMode::Auto);
    static const host::LocalHostProbe probe; // the same host view as gpauditctl apply
    core::TranslateOptions options;
    options.probe = &probe;
    return core::translate(data.catalog, data.mapping, resultant, options);
}

// "Naive": the same policy with one rule per subcategory and syscall, nothing merged.
std::vector<core::AuditRule> naive(const std::vector<core::AuditRule> &rules)
{
    std::vector<core::AuditRule> out;
    for (const auto &rule : rules) {
        for (const auto &key : rule.keys) {
            if (rule.syscalls.empty()) {
                auto one = rule;
                one.keys = {key};
                out.push_back(one);
                continue;
            }
            for (const auto &syscall : rule.syscalls) {
                auto one = rule;
                one.keys = {key};
                one.syscalls = {syscall};
                out.push_back(one);
            }
        }
    }
    return out;
}

int die(const std::string &message)
{
    (void)std::fprintf(stderr, "gpaudit-bench-cost: %s\n", message.c_str());
    return 1;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    int rounds = 5;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = std::max(1, std::atoi(argv[++i]));
        } else if (std::strcmp(argv[i], "--measure-now") == 0) {
            // The kernel's state as it is (for comparing rule sets loaded by hand).
            char path[] = "/tmp/gpaudit-bench-XXXXXX";
            const int scratch = mkstemp(path);
            close(scratch);
            for (int k = 0; k < 3; ++k) {
                const auto f = inWorker(path);
                std::printf("getpid %.1f  open+close %.1f  stat %.1f  fork+exec %.0f\n", f.getpid, f.openClose, f.stat,
                            f.forkExec);
            }
            unlink(path);
            return 0;
        } else {
            return die("usage: gpaudit-bench-cost [--rounds N] | --measure-now");
        }
    }
    if (geteuid() != 0)
        return die("needs root (it loads audit rules)");
    auto netlink = kernel::AuditNetlink::open();
    if (!netlink)
        return die(netlink.error().str());
    auto before = netlink->status();
    auto beforeRules = netlink->listRules();
    if (!before || !beforeRules)
        return die("cannot read the kernel's audit state");
    if (before->enabled == 2)
        return die("the audit configuration is immutable");
    for (const auto &rule : *beforeRules)
        if (rule.keyedOurs())
            return die("gpaudit rules are loaded; run `gpauditctl revert` first so the states are clean");
    auto data = host::loadRulesData();
    if (!data)
        return die(data.error().str());

    const std::string dataDir = GPAUDIT_TEST_DATA;
    // (a) is a policy of its own: Process Creation, Success and Failure.
    const std::string pcOnlyPath = "/tmp/gpaudit-bench-pc-only.csv";
    (void)host::writeFileAtomic(pcOnlyPath, "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion "
                                            "Setting,Exclusion Setting,Setting Value\r\n,System,Process Creation,"
                                            "{0CCE922B-69AE-11D9-BED3-505054503030},Success and Failure,,3\r\n");
    auto pcOnly = translateFile(*data, pcOnlyPath);
    unlink(pcOnlyPath.c_str());
    auto all = translateFile(*data, dataDir + "/all-success-failure/audit.csv");
    auto baseline = translateFile(*data, dataDir + "/hardeningkitty-machine/audit.csv");
    if (!pcOnly || !all || !baseline)
        return die("cannot translate the benchmark policies");
    // What `gpauditctl apply` loads: the translation plus the fast-path rule for this kernel.
    kernel::ApplyOptions planning;
    planning.mapping = &data->mapping;
    planning.arch = "x86_64";
    auto planned = [&](const core::Translation &t) { return kernel::plannedRules(t, planning, *beforeRules); };
    std::vector<RuleSet> sets;
    sets.push_back({"audit on, no rules", {}, 0});
    for (auto [name, rules] : {std::pair{"(a) Process Creation only", planned(*pcOnly)},
                               std::pair{"(b) every subcategory S+F", planned(*all)},
                               std::pair{"(c) real-world baseline", planned(*baseline)},
                               std::pair{"naive (b), nothing merged", naive(all->rules)}}) {
        auto set = ruleSet(name, rules);
        if (!set)
            return die(set.error().str());
        sets.push_back(std::move(*set));
    }

    char fileTemplate[] = "/tmp/gpaudit-bench-XXXXXX";
    const int fd = mkstemp(fileTemplate);
    if (fd < 0)
        return die("cannot create a scratch file");
    close(fd);
    const std::string file = fileTemplate;
    if (before->enabled != 1)
        if (auto ok = netlink->setEnabled(1); !ok)
            return die(ok.error().message);

    // S0: a worker forked under a temporary `-a never,task` has no audit context at all, the same
    // path as audit never enabled. The rule stays while the worker runs, so the children of its
    // fork+exec loop are forked without a context too.
    auto neverTask =
        kernel::buildRule(core::AuditRule{core::AuditRule::List::Task, core::AuditRule::Action::Never, "", {}, {}, {}});
    if (!neverTask)
        return die(neverTask.error().message);
    auto noContext = [&]() -> Result<Figures> {
        if (auto ok = netlink->addRule(*neverTask, false); !ok)
            return tl::unexpected(ok.error());
        const auto figures = inWorker(file);
        if (auto ok = netlink->deleteRule(*neverTask); !ok)
            return tl::unexpected(ok.error());
        return figures;
    };

    std::map<std::string, std::vector<Figures>> results;
    const std::string s0 = "no audit context";
    (void)std::fprintf(stderr, "gpaudit-bench-cost: %d rounds, states interleaved\n", rounds);
    int status = 0;
    for (int round = 0; round < rounds && status == 0; ++round) {
        // The order rotates every round, and S0 alternates first and last: drift spreads evenly.
        auto runS0 = [&] {
            auto figures = noContext();
            if (!figures) {
                status = die(figures.error().message);
                return;
            }
            results[s0].push_back(*figures);
        };
        if (round % 2 == 0)
            runS0();
        for (std::size_t k = 0; k < sets.size() && status == 0; ++k) {
            auto &set = sets[(k + static_cast<std::size_t>(round)) % sets.size()];
            for (const auto &rule : set.rules) {
                if (auto ok = netlink->addRule(rule, rule.action == AUDIT_NEVER); !ok) {
                    status = die(set.name + ": " + ok.error().message);
                    break;
                }
            }
            if (status == 0)
                results[set.name].push_back(inWorker(file));
            for (auto it = set.rules.rbegin(); it != set.rules.rend(); ++it)
                (void)netlink->deleteRule(*it);
        }
        if (round % 2 == 1 && status == 0)
            runS0();
        (void)std::fprintf(stderr, "  round %d/%d done\n", round + 1, rounds);
    }
    unlink(file.c_str());

    if (status == 0) {
        auto med = [&](const std::string &name, double Figures::*field) {
            std::vector<double> values;
            for (const auto &f : results[name])
                values.push_back(f.*field);
            return median(values);
        };
        double Figures::*const fields[] = {&Figures::getpid, &Figures::openClose, &Figures::stat, &Figures::forkExec};
        std::printf("\nPer-operation cost, ns (median of %d interleaved rounds); delta = added cost against \"%s\"\n\n",
                    rounds, s0.c_str());
        std::printf("%-28s %6s %6s | %9s %7s | %10s %7s | %9s %7s | %10s %8s\n", "state", "rules", "walked", "getpid",
                    "delta", "open+close", "delta", "stat", "delta", "fork+exec", "delta");
        std::vector<std::string> names = {s0};
        for (const auto &set : sets)
            names.push_back(set.name);
        std::map<std::string, std::map<int, double>> delta;
        for (const auto &name : names) {
            std::size_t count = 0, exitCount = 0;
            for (const auto &set : sets)
                if (set.name == name) {
                    count = set.rules.size();
                    exitCount = set.exitRules;
                }
            std::printf("%-28s %6zu %6zu", name.c_str(), count, exitCount);
            for (int i = 0; i < 4; ++i) {
                const double value = med(name, fields[i]);
                delta[name][i] = value - med(s0, fields[i]);
                if (i == 3)
                    std::printf(" | %10.0f %+8.0f", value, delta[name][i]);
                else
                    std::printf(" | %9.1f %+7.1f", value, delta[name][i]);
            }
            std::printf("\n");
        }
        const auto &da = delta["(a) Process Creation only"];
        const auto &db = delta["(b) every subcategory S+F"];
        const auto &dn = delta["naive (b), nothing merged"];
        std::printf(
            "\nTargets: delta(b) <= 1.5 x delta(a) on getpid and open+close; delta(b) <= 1/3 x delta(naive b)\n");
        const char *opNames[] = {"getpid", "open+close", "stat", "fork+exec"};
        for (int i = 0; i < 4; ++i)
            std::printf("  %-11s delta(b)/delta(a) = %5.2f   delta(b)/delta(naive b) = %5.2f\n", opNames[i],
                        da.at(i) > 0 ? db.at(i) / da.at(i) : 0.0, dn.at(i) > 0 ? db.at(i) / dn.at(i) : 0.0);

        // Apply cost for policy (b), through gpaudit's own apply.
        std::printf("\nApply cost, policy (b) (%zu rules):\n", all->rules.size());
        kernel::ApplyOptions options = planning;
        options.rulesFile.clear();
        auto report = [&](const char *what, const core::Translation &translation) {
            auto fresh = kernel::AuditNetlink::open();
            if (!fresh)
                return;
            auto r = kernel::applyTranslation(*fresh, translation, options);
            if (!r) {
                std::printf("  %-34s failed: %s\n", what, r.error().message.c_str());
                return;
            }
            std::printf("  %-34s %8.2f ms  added %3zu  removed %3zu  netlink writes %3zu\n", what,
                        static_cast<double>(r->elapsed.count()) / 1000.0, r->added.size(), r->removed.size(),
                        r->netlinkWrites);
        };
        report("full apply", *all);
        report("same policy again", *all);
        auto changedPath = std::string("/tmp/gpaudit-bench-changed.csv");
        {
            auto text = host::readFileBounded(dataDir + "/all-success-failure/audit.csv");
            const std::string from = "Process Creation,{0CCE922B-69AE-11D9-BED3-505054503030},Success and Failure,,3";
            if (text && text->find(from) != std::string::npos) {
                text->replace(text->find(from), from.size(),
                              "Process Creation,{0CCE922B-69AE-11D9-BED3-505054503030},Success,,1");
                (void)host::writeFileAtomic(changedPath, *text);
            }
        }
        if (auto changed = translateFile(*data, changedPath))
            report("one subcategory changed (PC 3 -> 1)", *changed);
        unlink(changedPath.c_str());
        auto fresh = kernel::AuditNetlink::open();
        const auto started = std::chrono::steady_clock::now();
        if (fresh)
            if (auto r = kernel::revert(*fresh, "", false))
                std::printf(
                    "  %-34s %8.2f ms  removed %3zu  netlink writes %3zu\n", "revert",
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(),
                    r->removed.size(), r->netlinkWrites);
    }
    if (before->enabled != 1)
        (void)netlink->setEnabled(before->enabled);
    auto after = netlink->listRules();
    if (after && after->size() != beforeRules->size())
        (void)std::fprintf(stderr, "WARNING: the kernel holds %zu rules, %zu before\n", after->size(),
                           beforeRules->size());
    return status;
}
