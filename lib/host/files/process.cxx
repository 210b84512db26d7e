// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/files/process.hxx"

#include "host/files/unique_fd.hxx"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>

extern char **environ; // NOLINT(readability-redundant-declaration): posix_spawn's environment

namespace gpaudit::host {

bool sendAll(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

Result<pid_t> spawnWithSocket(const std::string &path, const std::vector<std::string> &argv, int socket, int childFd)
{
    // The socket becomes the child's childFd; moved above it first, so dup2 always makes a new
    // descriptor (without close-on-exec) even when `socket` already is childFd.
    UniqueFd high(::fcntl(socket, F_DUPFD_CLOEXEC, 10));
    if (!high)
        return fail(std::string("fcntl: ") + std::strerror(errno));
    std::vector<std::string> copies = argv;
    std::vector<char *> args;
    args.reserve(copies.size() + 1);
    for (auto &arg : copies)
        args.push_back(arg.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, high.get(), childFd);
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attributes, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0)
        return fail(std::strerror(rc));
    return pid;
}

} // namespace gpaudit::host
