// SPDX-License-Identifier: GPL-2.0-or-later
// A file descriptor owned by one object and closed when it goes: no descriptor leaks on an early
// return, none closed twice. Header only; every adapter (lib/host, lib/kernel, lib/domain) and daemon/
// may use it.
#pragma once

#include <cerrno>
#include <unistd.h>
#include <utility>

namespace gpaudit::host {

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
    UniqueFd &operator=(UniqueFd &&other) noexcept
    {
        if (this != &other)
            reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;
    ~UniqueFd() { reset(); }

    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }

    // Gives the descriptor up (to an API that takes ownership, e.g. ldap_init_fd); -1 is left.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

    // Closes the descriptor held (if any) and keeps fd. errno is kept: callers read it after a failure.
    void reset(int fd = -1) noexcept
    {
        const int old = std::exchange(fd_, fd);
        if (old >= 0) {
            const int saved = errno;
            (void)::close(old); // Linux releases the descriptor even when close reports an error
            errno = saved;
        }
    }

    // Closes now and reports close(2)'s result (a write error NFS reports late): 0 or errno.
    [[nodiscard]] int close() noexcept
    {
        const int old = std::exchange(fd_, -1);
        if (old < 0)
            return 0;
        return ::close(old) == 0 ? 0 : errno;
    }

  private:
    int fd_ = -1;
};

} // namespace gpaudit::host
