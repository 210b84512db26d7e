// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/fetch_pool.hxx"

#include "core/base/fetch_frame.hxx"
#include "host/files/process.hxx"
#include "host/files/unique_fd.hxx"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace gpaudit::domain {

namespace {

using host::UniqueFd;
constexpr std::size_t kInFlight = 2; // requests queued per worker: it never waits for the next one
constexpr std::size_t kReceive = 65536;
constexpr int kWorkerFd = 3;

// A number argument of the worker's, bounded.
std::optional<std::size_t> number(const std::string &text, std::size_t max)
{
    if (text.empty() || text.size() > 12 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const std::size_t value = std::stoull(text);
    return value <= max ? std::optional(value) : std::nullopt;
}

} // namespace

struct FetchPool::Worker {
    pid_t pid = -1;
    UniqueFd socket;
    core::FetchFrameReader reader;
    std::deque<std::size_t> inFlight; // indexes of the URLs sent, in the order they are answered
    explicit Worker(std::size_t maxSize) : reader(maxSize) {}
    Worker(const Worker &) = delete;
    Worker &operator=(const Worker &) = delete;
    ~Worker() { stop(false); }

    // Ends the worker: its socket closed (it ends at the end of its input) or, when `now`, killed; then
    // waited for (killed after 2 s).
    void stop(bool now)
    {
        if (pid <= 0)
            return;
        socket.reset();
        if (now)
            ::kill(pid, SIGKILL);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (true) {
            const pid_t done = ::waitpid(pid, nullptr, WNOHANG);
            if (done == pid || (done < 0 && errno != EINTR))
                break;
            if (done == 0 && std::chrono::steady_clock::now() > deadline) {
                ::kill(pid, SIGKILL);
                while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
                }
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        pid = -1;
    }
};

FetchPool::FetchPool(FetchPool &&) noexcept = default;
FetchPool &FetchPool::operator=(FetchPool &&) noexcept = default;
FetchPool::~FetchPool()
{
    // Every socket first, then the waits: the workers end together.
    for (auto &worker : workers_)
        worker->socket.reset();
    workers_.clear();
}

std::size_t FetchPool::size() const
{
    return workers_.size();
}

void FetchPool::adopt(FetchPool &&other)
{
    for (auto &worker : other.workers_)
        workers_.push_back(std::move(worker));
    other.workers_.clear();
}

Result<FetchPool> FetchPool::start(const FetchSettings &settings, std::size_t workers)
{
    if (settings.command.empty())
        return fail("SMB fetch workers: no program to start");
    FetchPool pool;
    pool.settings_ = settings;
    std::vector<std::string> argv = settings.command;
    argv.push_back(settings.privateDir);
    argv.push_back(std::to_string(settings.timeoutSeconds));
    argv.push_back(std::to_string(settings.maxSize));
    const std::string path = argv[0];
    argv[0] = "gpaudit-smb-fetch"; // as ps shows the worker
    std::string error;
    for (std::size_t i = 0; i < std::min(workers, kMaxWorkers); ++i) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
            error = std::string("socketpair: ") + std::strerror(errno);
            break;
        }
        UniqueFd ours(pair[0]);
        UniqueFd theirs(pair[1]);
        auto spawned = host::spawnWithSocket(path, argv, theirs.get(), kWorkerFd);
        if (!spawned) {
            error = "cannot start " + path + ": " + spawned.error().message;
            break;
        }
        const pid_t pid = *spawned;
        auto worker = std::make_unique<Worker>(settings.maxSize);
        worker->pid = pid;
        worker->socket = std::move(ours);
        pool.workers_.push_back(std::move(worker));
    }
    if (pool.workers_.empty())
        return fail("SMB fetch workers: " + (error.empty() ? std::string("none asked for") : error));
    return pool;
}

FetchPool::Batch FetchPool::readAll(const std::vector<std::string> &urls, const LocalRead &local)
{
    Batch batch;
    batch.answers.resize(urls.size());
    std::size_t next = 0;
    std::size_t settled = 0; // answered, or left unanswered by a lost worker
    auto lose = [&](Worker &worker, const std::string &why) {
        settled += worker.inFlight.size();
        worker.inFlight.clear();
        worker.stop(true);
        batch.lost = why;
    };
    auto feed = [&](Worker &worker) {
        while (worker.pid > 0 && worker.inFlight.size() < kInFlight && next < urls.size()) {
            if (urls[next].size() > core::kMaxFetchUrl) { // never built (core::SysvolLocation); refused, not sent
                batch.answers[next] = fail("SMB: a path of " + std::to_string(urls[next].size()) + " bytes");
                ++next;
                ++settled;
                continue;
            }
            if (!host::sendAll(worker.socket.get(),
                               core::encodeFetchFrame({core::FetchFrame::Kind::Request, 0, urls[next]}))) {
                lose(worker, std::string("a fetch worker stopped reading: ") + std::strerror(errno));
                return;
            }
            worker.inFlight.push_back(next++);
        }
    };
    auto take = [&](Worker &worker, core::FetchFrame &got) {
        const std::size_t index = worker.inFlight.front();
        worker.inFlight.pop_front();
        ++settled;
        if ((got.flags & core::kFetchReconnected) != 0)
            ++batch.reconnects;
        switch (got.kind) {
        case core::FetchFrame::Kind::Content:
            ++batch.files;
            batch.bytes += got.payload.size();
            batch.answers[index] = std::optional<std::string>(std::move(got.payload));
            break;
        case core::FetchFrame::Kind::Absent:
            batch.answers[index] = std::optional<std::string>();
            break;
        default:
            batch.answers[index] = fail(std::move(got.payload));
            break;
        }
    };
    for (auto &worker : workers_)
        feed(*worker);
    // A worker's read may take its timeout twice (one reconnect); a worker silent for longer is stuck.
    const int patience = static_cast<int>(std::min<unsigned>(settings_.timeoutSeconds, 600) * 2000 + 1000);
    std::string buffer(kReceive, '\0');
    while (settled < urls.size()) {
        for (auto &worker : workers_)
            feed(*worker);
        const bool ownTurn = local && next < urls.size();
        std::vector<pollfd> fds;
        std::vector<Worker *> polled;
        for (auto &worker : workers_)
            if (worker->pid > 0 && !worker->inFlight.empty()) {
                fds.push_back({worker->socket.get(), POLLIN, 0});
                polled.push_back(worker.get());
            }
        const int ready = fds.empty() ? 0 : ::poll(fds.data(), fds.size(), ownTurn ? 0 : patience);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0 || (ready == 0 && !ownTurn)) {
            if (fds.empty()) // every worker lost, nothing for the caller to read here: the rest is its
                break;
            for (Worker *worker : polled)
                lose(*worker, ready == 0 ? "a fetch worker gave no answer within " + std::to_string(patience) + " ms"
                                         : std::string("poll: ") + std::strerror(errno));
            continue;
        }
        for (std::size_t i = 0; i < fds.size() && ready > 0; ++i) {
            if (fds[i].revents == 0)
                continue;
            Worker &worker = *polled[i];
            const ssize_t n = ::recv(worker.socket.get(), buffer.data(), buffer.size(), 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                lose(worker, n == 0 ? "a fetch worker ended" : std::string("recv: ") + std::strerror(errno));
                continue;
            }
            worker.reader.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
            while (worker.pid > 0) {
                auto frame = worker.reader.next();
                if (!frame) {
                    lose(worker, frame.error().message);
                    break;
                }
                if (!*frame)
                    break;
                if (worker.inFlight.empty() || (*frame)->kind == core::FetchFrame::Kind::Request) {
                    lose(worker, "fetch worker protocol: an answer to no request");
                    break;
                }
                take(worker, **frame);
            }
            feed(worker);
        }
        if (ownTurn && next < urls.size()) { // the answers waiting taken: read the next one here
            const std::size_t index = next++;
            batch.answers[index] = local(urls[index]);
            ++settled;
        }
    }
    std::erase_if(workers_, [](const auto &worker) { return worker->pid <= 0; });
    return batch;
}

Result<void> serveFetchWorker(const std::vector<std::string> &arguments)
{
    // Nothing of the parent's but the socket (a lock file's descriptor, a control socket).
    ::close_range(kWorkerFd + 1, ~0U, 0);
    if (arguments.size() != 3)
        return fail("usage: " + std::string(kFetchWorkerArgument) + " PRIVATE_DIR TIMEOUT_SECONDS MAX_FILE_SIZE");
    const auto timeout = number(arguments[1], 3600);
    const auto maxSize = number(arguments[2], std::size_t{1} << 30);
    if (arguments[0].empty() || !timeout || !maxSize)
        return fail("fetch worker: bad arguments");
    SmbReader::Kept keep;
    core::FetchFrameReader reader(0); // requests only
    std::string buffer(kReceive, '\0');
    while (true) {
        const ssize_t n = ::recv(kWorkerFd, buffer.data(), buffer.size(), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return {}; // the pool closed the socket: done
        if (n < 0)
            return fail(std::string("fetch worker: recv: ") + std::strerror(errno));
        reader.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        while (true) {
            auto frame = reader.next();
            if (!frame)
                return tl::unexpected(frame.error());
            if (!*frame)
                break;
            const std::string &url = (*frame)->payload;
            if ((*frame)->kind != core::FetchFrame::Kind::Request || !url.starts_with("smb://"))
                return fail("fetch worker protocol: not a request for an smb:// URL");
            core::FetchFrame answer;
            // A reader per file over the kept context: as in process, a session the server dropped is
            // made again once (for this file).
            auto smb = SmbReader::create(arguments[0], static_cast<unsigned>(*timeout), &keep);
            auto content = smb ? smb->read(url, *maxSize) : FetchAnswer(tl::unexpected(smb.error()));
            if (smb && smb->reconnects() > 0)
                answer.flags = core::kFetchReconnected;
            if (!content) {
                answer.kind = core::FetchFrame::Kind::Error;
                answer.payload = content.error().message.substr(0, core::kMaxFetchError);
            } else if (*content) {
                answer.kind = core::FetchFrame::Kind::Content;
                answer.payload = std::move(**content);
            } else {
                answer.kind = core::FetchFrame::Kind::Absent;
            }
            if (!host::sendAll(kWorkerFd, core::encodeFetchFrame(answer)))
                return {}; // the pool went away
        }
    }
}

} // namespace gpaudit::domain
