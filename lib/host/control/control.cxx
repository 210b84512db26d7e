// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/control/control.hxx"

#include "host/files/unique_fd.hxx"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace gpaudit::host::control {

namespace {

std::string errnoText(int error)
{
    return std::strerror(error);
}

Result<sockaddr_un> addressOf(const std::string &path)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path)
        return fail("control socket path \"" + path + "\" is empty or longer than " +
                    std::to_string(sizeof address.sun_path - 1) + " bytes");
    std::memcpy(address.sun_path, path.data(), path.size());
    return address;
}

bool writeAll(int fd, const char *data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool readAll(int fd, char *data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::read(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

std::string frame(char kind, std::string_view data)
{
    std::string out;
    out.reserve(data.size() + 5);
    out.push_back(kind);
    const auto size = static_cast<std::uint32_t>(data.size());
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((size >> shift) & 0xff));
    out.append(data);
    return out;
}

bool sendFrame(int fd, char kind, std::string_view data)
{
    const auto bytes = frame(kind, data);
    return writeAll(fd, bytes.data(), bytes.size());
}

Result<UniqueFd> connectTo(const std::string &path, bool &notRunning)
{
    notRunning = false;
    auto address = addressOf(path);
    if (!address)
        return tl::unexpected(address.error());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return fail("socket: " + errnoText(errno));
    if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&*address), sizeof *address) != 0) {
        const int error = errno;
        notRunning = error == ENOENT || error == ECONNREFUSED;
        return fail("cannot reach gpauditd at " + path + ": " + errnoText(error));
    }
    return fd; // the caller's now
}

Result<UniqueFd> listenAt(const std::string &path)
{
    auto address = addressOf(path);
    if (!address)
        return tl::unexpected(address.error());
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        const std::string dir = path.substr(0, slash);
        if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
            return fail("cannot create " + dir + ": " + errnoText(errno));
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return fail(path + " exists and is not a socket; not replacing it");
        bool notRunning = false;
        if (connectTo(path, notRunning)) // (closed again at once)
            return fail("another gpauditd listens at " + path);
        if (!notRunning)
            return fail("cannot tell whether another gpauditd listens at " + path);
        (void)::unlink(path.c_str()); // stale: its daemon is gone
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd)
        return fail("socket: " + errnoText(errno));
    // Created 0600 from the start: no window in which another user could connect.
    const mode_t old = ::umask(0177);
    const int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr *>(&*address), sizeof *address);
    const int bindError = errno;
    ::umask(old);
    if (bound != 0)
        return fail("cannot bind " + path + ": " + errnoText(bindError));
    if (::listen(fd.get(), 16) != 0)
        return fail("cannot listen on " + path + ": " + errnoText(errno));
    return fd; // the caller's now
}

Result<Peer> peerOf(int fd)
{
    ucred credentials{};
    socklen_t size = sizeof credentials;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0)
        return fail("SO_PEERCRED: " + errnoText(errno));
    return Peer{credentials.uid, credentials.pid};
}

Result<std::vector<std::string>> parseRequest(std::string_view line)
{
    return core::splitControlRequest(line);
}

Result<int> exchange(int fd, const std::string &request, int outFd, int errFd)
{
    const std::string line = request + "\n";
    if (!writeAll(fd, line.data(), line.size()))
        return fail("gpauditd closed the connection: " + errnoText(errno));
    std::string data;
    for (;;) {
        char header[5];
        if (!readAll(fd, header, sizeof header))
            return fail("gpauditd closed the connection before answering in full");
        std::uint32_t size = 0;
        for (int i = 1; i < 5; ++i)
            size = (size << 8) | static_cast<unsigned char>(header[i]);
        if (size > kMaxFrame)
            return fail("gpauditd sent a frame of " + std::to_string(size) + " bytes");
        data.resize(size);
        if (!readAll(fd, data.data(), size))
            return fail("gpauditd closed the connection in the middle of a frame");
        switch (header[0]) {
        case 'o':
        case 'e': {
            const int target = header[0] == 'o' ? outFd : errFd;
            std::size_t done = 0;
            while (done < data.size()) {
                const ssize_t n = ::write(target, data.data() + done, data.size() - done);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    return fail("cannot write the answer: " + errnoText(errno));
                done += static_cast<std::size_t>(n);
            }
            break;
        }
        case 'x': {
            int status = 0;
            for (char c : data) {
                if (c < '0' || c > '9' || status > 255)
                    return fail("gpauditd sent a malformed exit status");
                status = status * 10 + (c - '0');
            }
            if (data.empty() || status > 255)
                return fail("gpauditd sent a malformed exit status");
            return status;
        }
        default:
            return fail("gpauditd sent an unknown frame kind");
        }
    }
}

} // namespace gpaudit::host::control
