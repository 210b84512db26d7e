// SPDX-License-Identifier: GPL-2.0-or-later
// Reads the kernel's CONFIG_CHANGE records with kernel::ConfigWatch (what gpauditd uses to tell who
// removed its rules) while config-watch.sh adds and deletes a rule with auditctl; prints one line per
// record: "op=... auid=... ses=... key=...". Stops after `count` records or `seconds`.
#include "kernel/config_watch.hxx"

#include <cstdio>
#include <cstdlib>
#include <poll.h>
#include <string>

int main(int argc, char **argv)
{
    const int count = argc > 1 ? std::atoi(argv[1]) : 2;
    const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
    auto watch = gpaudit::kernel::ConfigWatch::open();
    if (!watch) {
        (void)std::fprintf(stderr, "config-watch-probe: %s\n", watch.error().str().c_str());
        return 1;
    }
    std::printf("ready\n");
    (void)std::fflush(stdout);
    int seen = 0;
    for (int waited = 0; seen < count && waited < seconds * 10; ++waited) {
        pollfd p{watch->fd(), POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0)
            continue;
        for (const auto &change : watch->drain()) {
            std::printf("op=%s auid=%s ses=%s key=%s\n", change.op.c_str(), change.auid.c_str(), change.ses.c_str(),
                        change.key.c_str());
            ++seen;
        }
        (void)std::fflush(stdout);
    }
    return seen >= count ? 0 : 2;
}
