// SPDX-License-Identifier: GPL-2.0-or-later
// The fetch workers (domain/fetch_pool) without a DC: real worker processes (gpauditctl
// --smb-fetch-worker, as a sync starts them) answering URLs of a server that refuses connections
// (127.0.0.1, nothing on port 445 in this namespace... or whatever answers there: the worker's answer is
// compared with this process's own SmbReader, not with a fixed text), a worker that ends at once, and
// the caller reading what a lost worker left.
#include "domain/fetch_pool.hxx"
#include "domain/smb.hxx"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

using namespace gpaudit;
using namespace gpaudit::domain;

namespace {

std::string scratch()
{
    char dir[] = "/tmp/gpaudit-fetch-pool-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    return dir;
}

std::string worker()
{
    const char *ctl = std::getenv("GPAUDITCTL");
    REQUIRE_MESSAGE(ctl != nullptr, "GPAUDITCTL (the gpauditctl under test) is not set");
    return ctl;
}

std::vector<std::string> urls(std::size_t n)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back("smb://127.0.0.1/sysvol/gpa.test/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}/f" +
                      std::to_string(i));
    return out;
}

} // namespace

TEST_CASE("workers answer as this process's own reader does, and end when the pool does")
{
    const std::string dir = scratch();
    const FetchSettings settings{{worker(), std::string(kFetchWorkerArgument)}, dir, 2, 65536};
    auto pool = FetchPool::start(settings, 3);
    REQUIRE(pool);
    CHECK(pool->size() == 3);
    const auto asked = urls(7);
    auto batch = pool->readAll(asked);
    CHECK(batch.lost.empty());
    REQUIRE(batch.answers.size() == asked.size());
    auto own = SmbReader::create(dir, 2);
    REQUIRE(own);
    for (std::size_t i = 0; i < asked.size(); ++i) {
        REQUIRE(batch.answers[i]);
        auto expected = own->read(asked[i], 65536);
        const auto &got = *batch.answers[i];
        CAPTURE(asked[i]);
        REQUIRE(got.has_value() == expected.has_value());
        if (!got)
            CHECK(got.error().message == expected.error().message);
        else
            CHECK(*got == *expected);
    }
    CHECK(pool->size() == 3);
    pool = tl::unexpected(Error{});               // the pool's end: its workers end and are waited for
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1); // no child left, not even a zombie
    SmbReader::unloadLibrary();
    std::filesystem::remove_all(dir);
}

TEST_CASE("a worker that ends is lost: its URLs are left to the caller, who reads them itself")
{
    const FetchSettings settings{{"/bin/true"}, "/nonexistent", 2, 65536};
    auto pool = FetchPool::start(settings, 2);
    REQUIRE(pool);
    const auto asked = urls(5);
    auto alone = pool->readAll(asked);
    CHECK_FALSE(alone.lost.empty());
    CHECK(pool->size() == 0);
    for (const auto &answer : alone.answers)
        CHECK_FALSE(answer); // nobody answered: the caller reads them all

    auto again = FetchPool::start(settings, 2);
    REQUIRE(again);
    std::size_t local = 0;
    auto shared = again->readAll(asked, [&](const std::string &url) -> FetchAnswer {
        ++local;
        return std::optional<std::string>(url);
    });
    // The caller read what it could; whatever a lost worker had is unanswered, never wrong.
    for (std::size_t i = 0; i < asked.size(); ++i)
        if (shared.answers[i]) {
            REQUIRE(*shared.answers[i]);
            CHECK(**shared.answers[i] == asked[i]);
        }
    CHECK(local >= 1);
}

TEST_CASE("a program that cannot start is an error, not a pool")
{
    auto pool = FetchPool::start({{"/nonexistent/gpauditctl", "--smb-fetch-worker"}, "/tmp", 2, 1024}, 2);
    // posix_spawn reports a missing program in its child (the worker ends at once) or as an error.
    if (pool) {
        auto batch = pool->readAll(urls(2));
        CHECK_FALSE(batch.lost.empty());
    } else {
        CHECK(pool.error().message.find("/nonexistent/gpauditctl") != std::string::npos);
    }
    auto none = FetchPool::start({{}, "/tmp", 2, 1024}, 2);
    CHECK_FALSE(none);
}
