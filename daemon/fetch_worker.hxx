// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditd and gpauditctl read many SYSVOL files at once through copies of themselves
// (domain/fetch_pool.hxx): started as `PROGRAM --smb-fetch-worker ARGS` (never by a user), a program
// serves as a fetch worker and does nothing else. Its own executable (/proc/self/exe) is started: the
// same build as the sync that asks, even when the file was replaced by an upgrade meanwhile.
#pragma once

#include "domain/fetch_pool.hxx"

#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::daemon {

inline std::vector<std::string> fetchWorkerCommand()
{
    return {"/proc/self/exe", std::string(domain::kFetchWorkerArgument)};
}

// The exit status when this process was started as a fetch worker, else nullopt (main goes on).
inline std::optional<int> runAsFetchWorker(int argc, char **argv)
{
    if (argc < 2 || argv[1] != domain::kFetchWorkerArgument)
        return std::nullopt;
    auto served = domain::serveFetchWorker(std::vector<std::string>(argv + 2, argv + argc));
    if (served)
        return 0;
    std::cerr << "gpaudit fetch worker: " << served.error().message << "\n";
    return 1;
}

} // namespace gpaudit::daemon
