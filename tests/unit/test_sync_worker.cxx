// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditd's sync thread (daemon/sync_worker.hxx): a job runs off the calling thread, the eventfd says
// when it has finished, and what the job wrote is the caller's once finished() is true; one thread
// serves every job (the domain libraries are called from that one thread only).
#include "sync_worker.hxx"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <poll.h>
#include <thread>

using gpaudit::daemon::SyncWorker;

namespace {

bool readable(int fd, int timeoutMs)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeoutMs) == 1;
}

} // namespace

TEST_CASE("a job runs on the sync thread while the caller goes on; finished() hands its results over")
{
    SyncWorker worker;
    REQUIRE(worker.valid());
    CHECK_FALSE(worker.busy());
    std::atomic<bool> release{false};
    std::thread::id ran;
    int result = 0;
    worker.run([&] {
        ran = std::this_thread::get_id();
        while (!release)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        result = 42;
    });
    CHECK(worker.busy());
    // The caller is not blocked: the job waits for it.
    CHECK_FALSE(readable(worker.fd(), 50));
    CHECK_FALSE(worker.finished()); // nothing finished: stays busy
    CHECK(worker.busy());
    release = true;
    REQUIRE(readable(worker.fd(), 5000));
    REQUIRE(worker.finished());
    CHECK_FALSE(worker.busy());
    CHECK(result == 42);
    CHECK(ran != std::this_thread::get_id());

    // The next job runs on the same thread.
    std::thread::id again;
    worker.run([&] { again = std::this_thread::get_id(); });
    REQUIRE(readable(worker.fd(), 5000));
    REQUIRE(worker.finished());
    CHECK(again == ran);
}

TEST_CASE("a worker that never ran a job, or is idle, is destroyed at once")
{
    {
        SyncWorker unused;
    }
    SyncWorker worker;
    worker.run([] {});
    REQUIRE(readable(worker.fd(), 5000));
    CHECK(worker.finished());
}

TEST_CASE("endThread ends an idle sync thread, not a busy one; the next job runs on a new thread")
{
    SyncWorker worker;
    CHECK_FALSE(worker.endThread()); // no thread yet
    std::atomic<bool> release{false};
    std::thread::id first;
    worker.run([&] {
        first = std::this_thread::get_id();
        while (!release)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    CHECK_FALSE(worker.endThread()); // busy: nothing done
    release = true;
    REQUIRE(readable(worker.fd(), 5000));
    REQUIRE(worker.finished());
    CHECK(worker.endThread());
    CHECK_FALSE(worker.endThread()); // already ended
    std::thread::id second;
    worker.run([&] { second = std::this_thread::get_id(); });
    REQUIRE(readable(worker.fd(), 5000));
    REQUIRE(worker.finished());
    CHECK(second != std::this_thread::get_id());
    CHECK(second != std::thread::id());
}
