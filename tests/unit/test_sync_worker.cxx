// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditd's sync worker (daemon/sync_worker.hxx) with the real worker program (gpauditctl
// --sync-worker, as gpauditd starts it) and no DC: a configuration whose machine keytab does not exist,
// so the worker answers "not joined" without the network. One worker serves every request; closing its
// socket ends it cleanly; a worker that dies fails the request with how it died; a missing program is
// an error at open.
#include "sync_worker.hxx"

#include <csignal>
#include <cstdlib>
#include <doctest/doctest.h>
#include <poll.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace gpaudit;
using gpaudit::daemon::SyncWorker;

namespace {

std::string program()
{
    const char *ctl = std::getenv("GPAUDITCTL");
    REQUIRE(ctl != nullptr);
    return ctl;
}

service::WorkerRequest notJoined()
{
    service::WorkerRequest request;
    request.config.realm = "GPA.TEST";
    request.config.machine = "LINUX1$";
    request.config.keytab = "/nonexistent/gpaudit-test.keytab";
    request.config.stateDir = "/nonexistent/gpaudit-state";
    return request;
}

// Frames until a result ('R') or an error, waiting up to 20 s.
Result<std::vector<service::WireFrame>> untilResult(SyncWorker &worker)
{
    std::vector<service::WireFrame> all;
    for (int i = 0; i < 200; ++i) {
        pollfd p{worker.fd(), POLLIN, 0};
        if (::poll(&p, 1, 100) != 1)
            continue;
        auto frames = worker.receive();
        if (!frames)
            return frames;
        for (auto &frame : *frames)
            all.push_back(std::move(frame));
        if (!all.empty() && all.back().kind == 'R')
            return all;
    }
    return fail("no result in 20 s");
}

} // namespace

TEST_CASE("the worker answers each request; one process serves them all; closing its socket ends it")
{
    SyncWorker worker;
    REQUIRE(worker.open(program()));
    CHECK_FALSE(worker.running());
    auto sent = worker.send(notJoined());
    INFO((sent ? std::string() : sent.error().str()));
    REQUIRE(sent);
    REQUIRE(worker.running());
    const pid_t first = worker.pid();
    auto frames = untilResult(worker);
    REQUIRE(frames);
    auto result = service::decodeWorkerResult(frames->back().payload);
    REQUIRE(result);
    CHECK(result->notJoined.find("/nonexistent/gpaudit-test.keytab") != std::string::npos);

    REQUIRE(worker.send(notJoined())); // the same worker
    CHECK(worker.pid() == first);
    frames = untilResult(worker);
    REQUIRE(frames);
    CHECK(frames->back().kind == 'R');

    CHECK(worker.end() == "exited 0");
    CHECK_FALSE(worker.running());
    CHECK(worker.end().empty()); // none runs
}

TEST_CASE("a worker that dies fails the request with how it died; the next request starts a new one")
{
    SyncWorker worker;
    REQUIRE(worker.open(program()));
    REQUIRE(worker.send(notJoined()));
    const pid_t first = worker.pid();
    REQUIRE(::kill(first, SIGKILL) == 0);
    Result<std::vector<service::WireFrame>> frames = std::vector<service::WireFrame>{};
    for (int i = 0; i < 200 && frames && worker.running(); ++i) {
        pollfd p{worker.fd(), POLLIN, 0};
        if (::poll(&p, 1, 100) == 1)
            frames = worker.receive();
    }
    // Killed before or after it answered: either way its socket closes and receive() says how it ended.
    if (frames) {
        pollfd p{worker.fd(), POLLIN, 0};
        REQUIRE(::poll(&p, 1, 5000) == 1);
        frames = worker.receive();
    }
    REQUIRE_FALSE(frames);
    CHECK(frames.error().message.find("killed by signal 9") != std::string::npos);
    CHECK_FALSE(worker.running());

    REQUIRE(worker.send(notJoined()));
    CHECK(worker.pid() != first);
    CHECK(untilResult(worker));
}

TEST_CASE("a worker started by anyone but the daemon that asked, or without its socket, does nothing")
{
    // The parent argument must be the worker's parent: run as a stray command, it exits at once.
    const std::string command = program() + " --sync-worker 1 3</dev/null";
    const int status = std::system(command.c_str()); // NOLINT(cert-env33-c): a test's own fixed command
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
}

TEST_CASE("the worker's program must exist and be executable: the error names it")
{
    SyncWorker worker;
    auto opened = worker.open("/nonexistent/gpauditctl");
    REQUIRE_FALSE(opened);
    CHECK(opened.error().str().find("/nonexistent/gpauditctl") != std::string::npos);
    char plain[] = "/tmp/gpaudit-sync-worker-XXXXXX"; // a file without an execute bit
    const int fd = ::mkstemp(plain);
    REQUIRE(fd >= 0);
    ::close(fd);
    REQUIRE(::chmod(plain, 0644) == 0);
    opened = worker.open(plain);
    ::unlink(plain);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().str().find("not executable") != std::string::npos);
}
