// SPDX-License-Identifier: GPL-2.0-or-later
// A helper process spoken to over a stream socket: how gpauditd starts its sync worker
// (daemon/sync_worker.hxx) and a sync starts its SMB fetch workers (domain/fetch_pool.hxx), and how
// each side writes a frame to the other.
#pragma once

#include "core/base/result.hxx"

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace gpaudit::host {

// Every byte, or false (the other end is gone, errno says how). MSG_NOSIGNAL: a dead peer is an error,
// not SIGPIPE.
bool sendAll(int fd, std::string_view bytes);

// Starts `path` with `argv` (argv[0] is what ps shows), the environment of this process, /dev/null as
// its standard input and output, this process's standard error, and `socket` as its descriptor
// `childFd` (no other descriptor of ours: everything else is close-on-exec). The child gets an empty
// signal mask and default dispositions (gpauditd blocks its signals for sd-event), so SIGTERM and
// SIGKILL end it. An error: posix_spawn's or fcntl's reason (the caller names the program).
Result<pid_t> spawnWithSocket(const std::string &path, const std::vector<std::string> &argv, int socket, int childFd);

} // namespace gpaudit::host
