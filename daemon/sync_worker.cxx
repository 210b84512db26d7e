// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's side of the sync worker (sync_worker.hxx).
#include "sync_worker.hxx"

#include "host/files/process.hxx"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace gpaudit::daemon {

namespace {

std::string statusText(int status)
{
    if (WIFEXITED(status))
        return "exited " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
               sigabbrev_np(WTERMSIG(status)) + ")";
    return "ended with status " + std::to_string(status);
}

} // namespace

Result<void> SyncWorker::open(const std::string &program)
{
    host::UniqueFd opened(::open(program.c_str(), O_RDONLY | O_CLOEXEC));
    if (!opened)
        return fail(std::string("the sync worker's program: ") + std::strerror(errno), {program, 0, 0});
    // Above the descriptors the worker is given (0, 1, kSyncWorkerFd): /proc/self/fd/N must still be
    // this file when the worker's exec resolves it.
    host::UniqueFd fd(::fcntl(opened.get(), F_DUPFD_CLOEXEC, 10));
    if (!fd)
        return fail(std::string("fcntl: ") + std::strerror(errno), {program, 0, 0});
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
        return fail("the sync worker's program is not executable", {program, 0, 0});
    program_ = program;
    executable_ = std::move(fd);
    return {};
}

Result<void> SyncWorker::start()
{
    std::array<int, 2> pair{};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair.data()) != 0)
        return fail(std::string("socketpair: ") + std::strerror(errno));
    host::UniqueFd ours(pair[0]);
    host::UniqueFd theirs(pair[1]);
    // Through /proc/self/fd: the file gpauditd opened at start, whatever replaced the path since.
    const std::string path = "/proc/self/fd/" + std::to_string(executable_.get());
    // argv[0] as ps shows it; the parent's pid: the worker ends when this process does.
    auto spawned = host::spawnWithSocket(
        path, {"gpaudit-sync-worker", std::string(kSyncWorkerArgument), std::to_string(::getpid())}, theirs.get(),
        kSyncWorkerFd);
    if (!spawned)
        return fail("cannot start the sync worker " + program_ + ": " + spawned.error().message);
    const pid_t pid = *spawned;
    pid_ = pid;
    socket_ = std::move(ours);
    reader_ = service::WireFrameReader(kMaxWorkerFrame);
    return {};
}

Result<void> SyncWorker::send(const service::WorkerRequest &request)
{
    if (!running())
        if (auto started = start(); !started)
            return started;
    if (!host::sendAll(socket_.get(), service::encodeWireFrame('S', service::encodeWorkerRequest(request)))) {
        const int error = errno;
        const auto ended = end();
        return fail(std::string("the sync worker does not read its requests (") + std::strerror(error) + "); it " +
                    ended);
    }
    return {};
}

Result<std::vector<service::WireFrame>> SyncWorker::receive()
{
    std::vector<service::WireFrame> frames;
    std::array<char, 65536> buffer{};
    const ssize_t n = ::recv(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return frames;
    if (n <= 0) {
        const std::string why = n < 0 ? std::string(std::strerror(errno)) : std::string("closed its socket");
        const auto ended = end();
        return fail("the sync worker " + why + "; it " + ended);
    }
    reader_.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    for (;;) {
        auto frame = reader_.next();
        if (!frame) {
            const auto ended = end();
            return fail("the sync worker wrote out of protocol (" + frame.error().str() + "); it was ended: " + ended);
        }
        if (!*frame)
            break;
        frames.push_back(std::move(**frame));
    }
    return frames;
}

std::string SyncWorker::end(bool now)
{
    if (!running())
        return {};
    // Its socket closed, the worker exits at once (sync_worker_serve.cxx): it is idle in read(), or
    // in the middle of a fetch that nobody waits for any more (SIGKILL: a slow DC must not hold the
    // daemon here).
    socket_.reset();
    int status = 0;
    pid_t got = 0;
    if (now)
        ::kill(pid_, SIGKILL);
    for (int tries = 0; tries < 100; ++tries) { // up to 1 s for an idle worker's clean exit
        got = ::waitpid(pid_, &status, WNOHANG);
        if (got > 0 || (got < 0 && errno != EINTR))
            break;
        ::usleep(10000);
    }
    if (got == 0) {
        ::kill(pid_, SIGKILL);
        while ((got = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
        }
    }
    pid_ = -1;
    return got > 0 ? statusText(status) : std::string("could not be reaped");
}

} // namespace gpaudit::daemon
