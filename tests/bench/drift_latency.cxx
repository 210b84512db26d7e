// SPDX-License-Identifier: GPL-2.0-or-later
// How fast a running gpauditd restores its rules: removes one gpaudit rule (--remove one, as `auditctl
// -d`) or every one (--remove all, as `auditctl -D`, but leaving other rules alone) and measures, from the
// kernel's own timestamps of the CONFIG_CHANGE records, the time from the last remove_rule record (the
// removal complete) to the add_rule record that made the kernel hold all of them again. Repeated --trials
// times; prints every trial, the median and the 90th percentile, and the time the removal itself took
// (the kernel takes 10 to 20 ms to remove a watch rule here: `auditctl -D` of 73 rules lasts a second).
//
//   sudo build/tests/bench/gpaudit-bench-drift [--trials N] [--remove one|all] [--label TEXT] [--pause-ms MS]
//
// Root, audit enabled (the kernel emits CONFIG_CHANGE records only then), in the initial network
// namespace, with gpauditd running and its policy in force. tests/bench/drift-latency.sh sets that up
// against the lab and runs two builds side by side. Not a test: it asserts nothing and prints figures.
#include "kernel/audit_netlink.hxx"
#include "kernel/config_watch.hxx"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace gpaudit;

// "audit(1701234567.123:456): ..." -> milliseconds since the epoch; -1 when absent.
long long recordMs(const std::string &text)
{
    const auto at = text.find("audit(");
    if (at == std::string::npos)
        return -1;
    char *end = nullptr;
    const long long seconds = std::strtoll(text.c_str() + at + 6, &end, 10);
    if (end == nullptr || *end != '.')
        return -1;
    const long long millis = std::strtoll(end + 1, nullptr, 10);
    return seconds * 1000 + millis;
}

std::size_t countOurs(kernel::AuditNetlink &netlink)
{
    auto rules = netlink.listRules();
    if (!rules)
        return 0;
    return static_cast<std::size_t>(
        std::count_if(rules->begin(), rules->end(), [](const kernel::KernelRule &r) { return r.keyedOurs(); }));
}

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    if (values.empty())
        return 0;
    const double rank = p * static_cast<double>(values.size() - 1);
    const auto low = static_cast<std::size_t>(rank);
    const auto high = std::min(low + 1, values.size() - 1);
    return values[low] + (values[high] - values[low]) * (rank - static_cast<double>(low));
}

} // namespace

int main(int argc, char **argv)
{
    int trials = 10;
    int pauseMs = 1500;
    std::string label = "gpauditd";
    bool all = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--trials" && i + 1 < argc)
            trials = std::atoi(argv[++i]);
        else if (arg == "--label" && i + 1 < argc)
            label = argv[++i];
        else if (arg == "--pause-ms" && i + 1 < argc)
            pauseMs = std::atoi(argv[++i]);
        else if (arg == "--remove" && i + 1 < argc &&
                 (std::string(argv[i + 1]) == "one" || std::string(argv[i + 1]) == "all"))
            all = std::string(argv[++i]) == "all";
        else {
            (void)std::fprintf(stderr, "usage: %s [--trials N] [--remove one|all] [--label TEXT] [--pause-ms MS]\n",
                               argv[0]);
            return 2;
        }
    }
    auto netlink = kernel::AuditNetlink::open();
    if (!netlink) {
        (void)std::fprintf(stderr, "gpaudit-bench-drift: %s\n", netlink.error().str().c_str());
        return 1;
    }
    auto status = netlink->status();
    if (!status || status->enabled != 1) {
        (void)std::fprintf(stderr, "gpaudit-bench-drift: auditing must be enabled (auditctl -e 1): the kernel emits "
                                   "CONFIG_CHANGE records only then\n");
        return 1;
    }
    auto watch = kernel::ConfigWatch::open();
    if (!watch) {
        (void)std::fprintf(stderr, "gpaudit-bench-drift: %s\n", watch.error().str().c_str());
        return 1;
    }
    std::vector<double> byRecord;
    std::vector<double> byWall;
    for (int trial = 0; trial < trials; ++trial) {
        auto rules = netlink->listRules();
        if (!rules) {
            (void)std::fprintf(stderr, "gpaudit-bench-drift: %s\n", rules.error().str().c_str());
            return 1;
        }
        std::size_t expected = 0;
        for (const auto &rule : *rules)
            expected += rule.keyedOurs() ? 1 : 0;
        if (expected == 0) {
            (void)std::fprintf(stderr, "gpaudit-bench-drift: no gpaudit rule in the kernel (is gpauditd running?)\n");
            return 1;
        }
        watch->drain();
        const auto wallStart = std::chrono::steady_clock::now();
        std::size_t removed = 0;
        for (auto rule = rules->rbegin(); rule != rules->rend() && (all || removed == 0); ++rule)
            if (rule->keyedOurs()) {
                (void)netlink->deleteRule(*rule); // gpauditd may already be restoring: a failure is no matter
                ++removed;
            }
        const double deleting =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wallStart).count();
        long long firstRemove = -1;
        long long lastRemove = -1;
        long long lastAdd = -1;
        bool restored = false;
        const auto deadline = wallStart + std::chrono::seconds(10);
        while (!restored && std::chrono::steady_clock::now() < deadline) {
            pollfd p{watch->fd(), POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) {
                if (firstRemove >= 0 && countOurs(*netlink) >= expected)
                    restored = true; // records lost (ENOBUFS): the kernel's list decides
                continue;
            }
            bool added = false;
            for (const auto &change : watch->drain()) {
                const long long at = recordMs(change.text);
                if (change.op == "remove_rule") {
                    if (firstRemove < 0)
                        firstRemove = at;
                    lastRemove = std::max(lastRemove, at);
                }
                if (change.op == "add_rule" && firstRemove >= 0) {
                    lastAdd = std::max(lastAdd, at);
                    added = true;
                }
            }
            if (added && countOurs(*netlink) >= expected)
                restored = true;
        }
        const double wall =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wallStart).count();
        if (!restored || firstRemove < 0 || lastAdd < 0) {
            std::printf("%s trial %d: %zu of %zu rules removed, NOT restored within 10 s\n", label.c_str(), trial + 1,
                        removed, expected);
            (void)std::fflush(stdout);
            continue;
        }
        const auto latency = static_cast<double>(lastAdd - lastRemove);
        byRecord.push_back(latency);
        byWall.push_back(wall);
        std::printf("%s trial %d: %zu of %zu rules removed (in %.1f ms, records %lld ms apart); restored %.0f ms "
                    "after the last CONFIG_CHANGE record (wall time here %.1f ms)\n",
                    label.c_str(), trial + 1, removed, expected, deleting, lastRemove - firstRemove, latency, wall);
        (void)std::fflush(stdout);
        std::this_thread::sleep_for(std::chrono::milliseconds(pauseMs));
    }
    std::printf("%s: drift restored after the last CONFIG_CHANGE record: median %.0f ms, p90 %.0f ms, max %.0f ms "
                "(%zu of %d trials restored; wall median %.1f ms)\n",
                label.c_str(), percentile(byRecord, 0.5), percentile(byRecord, 0.9),
                byRecord.empty() ? 0.0 : *std::max_element(byRecord.begin(), byRecord.end()), byRecord.size(), trials,
                percentile(byWall, 0.5));
    return byRecord.size() == static_cast<std::size_t>(trials) ? 0 : 3;
}
