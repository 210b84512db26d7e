// SPDX-License-Identifier: GPL-2.0-or-later
// The process-tracking analyses (seed 001): lifetime pairing with pid reuse, exec in place, unrecorded
// ends and the memory bound; the creator chain to the logon session; the whitelist of paths and content
// (sha256sum's format) and the first-seen verdicts, a replaced executable among them.
#include "core/events/tracking.hxx"
#include "core/events/whitelist.hxx"

#include <doctest/doctest.h>
#include <string>

namespace {

using namespace gpaudit::core::events;

std::uint64_t serial = 100;

AuditEvent exec(std::uint32_t pid, std::uint32_t ppid, std::string exe, std::uint32_t ses = 7,
                std::int64_t seconds = 1000, std::uint32_t ms = 0)
{
    AuditEvent event;
    event.seconds = seconds;
    event.milliseconds = ms;
    event.serial = ++serial;
    event.recordType = "SYSCALL";
    event.syscall = "execve";
    event.success = true;
    event.pid = pid;
    event.ppid = ppid;
    event.uid = event.euid = event.auid = 4242;
    event.ses = ses;
    event.exe = std::move(exe);
    event.argv = {"prog"};
    return event;
}

AuditEvent exitOf(std::uint32_t pid, std::uint32_t ppid, std::string exe, std::int64_t status, std::uint32_t ses = 7,
                  std::int64_t seconds = 1001, std::uint32_t ms = 250)
{
    AuditEvent event = exec(pid, ppid, std::move(exe), ses, seconds, ms);
    event.syscall = "exit_group";
    event.args[0] = static_cast<std::uint32_t>(static_cast<std::int32_t>(status));
    return event;
}

std::vector<ProcessImage> feedAll(LifetimeTracker &tracker, const std::vector<AuditEvent> &events)
{
    std::vector<ProcessImage> out;
    for (const auto &event : events)
        for (auto &image : tracker.feed(event))
            out.push_back(std::move(image));
    for (auto &image : tracker.finish())
        out.push_back(std::move(image));
    return out;
}

const std::string kTrue = std::string(64, 'a');
const std::string kFalse = std::string(64, 'b');
const std::string kEvil = std::string(64, 'c');

} // namespace

TEST_CASE("lifetime: a creation paired with its termination, duration and status")
{
    LifetimeTracker tracker;
    auto images = feedAll(tracker, {exec(10, 1, "/usr/bin/sleep"), exitOf(10, 1, "/usr/bin/sleep", 3)});
    REQUIRE(images.size() == 1);
    CHECK(images[0].started);
    CHECK(images[0].end == ImageEnd::Exited);
    CHECK(images[0].status == 3);
    CHECK(images[0].durationMs() == 1250);
    CHECK(auditId(images[0].start) == "1000.000:" + std::to_string(images[0].start.serial));
}

TEST_CASE("lifetime: exec in place ends one image and starts the next in the same process")
{
    LifetimeTracker tracker;
    auto images = feedAll(tracker, {exec(10, 1, "/bin/sh"), exec(10, 1, "/usr/bin/sleep", 7, 1000, 100),
                                    exitOf(10, 1, "/usr/bin/sleep", 0)});
    REQUIRE(images.size() == 2);
    CHECK(images[0].exe == "/bin/sh");
    CHECK(images[0].end == ImageEnd::Replaced);
    CHECK(images[0].nextExe == "/usr/bin/sleep");
    CHECK(images[0].durationMs() == 100);
    CHECK(images[1].exe == "/usr/bin/sleep");
    CHECK(images[1].end == ImageEnd::Exited);
}

TEST_CASE("lifetime: a process entering a session (loginuid written) and then exec'ing is the same process")
{
    LifetimeTracker tracker;
    auto images = feedAll(tracker, {exec(10, 1, "/bin/sh", kUnsetId), exec(10, 1, "/usr/bin/false", 21)});
    REQUIRE(images.size() == 2);
    CHECK(images[0].end == ImageEnd::Replaced);
    CHECK(images[1].end == ImageEnd::Running);
}

TEST_CASE("lifetime: pid reuse is not taken for the same process; the earlier end was not recorded")
{
    LifetimeTracker tracker;
    // pid 10 was killed by SIGKILL (no exit_group); later another creator's child gets pid 10 and exits.
    auto images = feedAll(
        tracker, {exec(10, 1, "/usr/bin/sleep"), exec(10, 77, "/usr/bin/id", 8), exitOf(10, 77, "/usr/bin/id", 0, 8)});
    REQUIRE(images.size() == 2);
    CHECK(images[0].exe == "/usr/bin/sleep");
    CHECK(images[0].end == ImageEnd::Vanished);
    CHECK_FALSE(images[0].durationMs());
    CHECK(images[1].exe == "/usr/bin/id");
    CHECK(images[1].end == ImageEnd::Exited);
    // An exit of a reused pid without an exec (a forked child) does not end the earlier process either.
    LifetimeTracker second;
    images = feedAll(second, {exec(10, 1, "/usr/bin/sleep"), exitOf(10, 55, "/bin/bash", 0, 9)});
    REQUIRE(images.size() == 2);
    CHECK(images[0].end == ImageEnd::Vanished);
    CHECK_FALSE(images[1].started);
    CHECK(images[1].end == ImageEnd::Exited);
}

TEST_CASE("lifetime: unterminated at the end of the range is running; an abend ends it; exits without exec")
{
    LifetimeTracker tracker;
    AuditEvent abend;
    abend.recordType = "ANOM_ABEND";
    abend.pid = 11;
    abend.seconds = 1002;
    abend.serial = ++serial;
    auto images = feedAll(tracker, {exec(10, 1, "/usr/bin/sleep"), exec(11, 1, "/usr/bin/crash"), abend,
                                    exitOf(12, 10, "/usr/bin/sleep", 0)});
    REQUIRE(images.size() == 3);
    CHECK(images[0].pid == 11);
    CHECK(images[0].end == ImageEnd::Abended);
    CHECK(images[1].pid == 12); // forked from 10, never exec'd: only its end is known
    CHECK_FALSE(images[1].started);
    CHECK(images[1].exe == "/usr/bin/sleep");
    CHECK(images[2].pid == 10);
    CHECK(images[2].end == ImageEnd::Running);
    CHECK_FALSE(images[2].endStamp);
}

TEST_CASE("lifetime: bounded: past maxOpen the oldest are returned as evicted")
{
    LifetimeTracker tracker(2);
    std::vector<ProcessImage> out;
    for (std::uint32_t pid = 100; pid < 105; ++pid)
        for (auto &image : tracker.feed(exec(pid, 1, "/bin/x")))
            out.push_back(image);
    CHECK(tracker.open() == 2);
    REQUIRE(out.size() == 3);
    CHECK(out[0].pid == 100);
    CHECK(out[0].end == ImageEnd::Evicted);
    // Many short-lived processes keep the eviction order bounded too.
    LifetimeTracker busy(1000);
    for (std::uint32_t i = 0; i < 100000; ++i) {
        busy.feed(exec(1000 + i % 50, 1, "/bin/x"));
        busy.feed(exitOf(1000 + i % 50, 1, "/bin/x", 0));
    }
    CHECK(busy.open() == 0);
}

TEST_CASE("chain: back to the first process of the session, then the login event")
{
    ChainTracker tracker;
    AuditEvent login;
    login.recordType = "USER_LOGIN";
    login.ses = 7;
    login.auid = 4242;
    login.pid = 500;
    login.account = "alice";
    login.address = "10.0.0.7";
    login.terminal = "ssh";
    login.program = "/usr/sbin/sshd";
    login.success = true;
    login.serial = ++serial;
    tracker.feed(exec(500, 1, "/usr/sbin/sshd", kUnsetId)); // the daemon, outside any session
    tracker.feed(login);
    tracker.feed(exec(600, 500, "/usr/bin/bash"));
    tracker.feed(exec(700, 600, "/bin/sh"));
    tracker.feed(exec(700, 600, "/usr/bin/python3")); // sh exec'd python3
    tracker.feed(exec(800, 700, "/tmp/dropper"));
    const auto chain = tracker.chainOf(800);
    REQUIRE(chain.links.size() == 3);
    CHECK(chain.links[0].image.exe == "/tmp/dropper");
    CHECK(chain.links[1].image.exe == "/usr/bin/python3");
    CHECK(chain.links[1].earlier == std::vector<std::string>{"/bin/sh"});
    CHECK(chain.links[2].image.exe == "/usr/bin/bash");
    CHECK(chain.sessionStart);
    CHECK_FALSE(chain.missingCreator);
    REQUIRE(chain.logon);
    CHECK(chain.logon->address == "10.0.0.7");
    CHECK(chain.logon->recordType == "USER_LOGIN");
}

TEST_CASE("chain: a creator with no execve in the range; a reused pid starts a new process")
{
    ChainTracker tracker;
    tracker.feed(exec(600, 590, "/usr/bin/bash"));
    tracker.feed(exec(800, 600, "/usr/bin/id"));
    auto chain = tracker.chainOf(800);
    REQUIRE(chain.links.size() == 2);
    CHECK(chain.missingCreator == 590u);
    CHECK_FALSE(chain.logon);
    tracker.feed(exec(600, 42, "/usr/bin/other", 9)); // pid 600 reused by another creator's child
    chain = tracker.chainOf(600);
    REQUIRE(chain.links.size() >= 1);
    CHECK(chain.links[0].image.exe == "/usr/bin/other");
    CHECK(chain.links[0].earlier.empty());
}

TEST_CASE("whitelist: sha256sum's format, comments, escapes, errors with the line, all or nothing")
{
    Whitelist list;
    auto loaded = list.load("# host linux1\n" + kTrue + "  /usr/bin/true\n" + kFalse + " */usr/bin/false\r\n\\" +
                                kTrue + "  /tmp/a\\nb\\\\c\n",
                            "host.list");
    REQUIRE(loaded);
    CHECK(*loaded == 3);
    REQUIRE(list.hashesOf("/tmp/a\nb\\c"));
    CHECK(list.text() ==
          "\\" + kTrue + "  /tmp/a\\nb\\\\c\n" + kFalse + "  /usr/bin/false\n" + kTrue + "  /usr/bin/true\n");
    Whitelist again;
    REQUIRE(again.load(list.text(), "again"));
    CHECK(again.text() == list.text());

    Whitelist bad;
    auto error = bad.load(kTrue + "  /usr/bin/true\nnot a line\n", "bad.list");
    REQUIRE_FALSE(error);
    CHECK(error.error().str().find("bad.list:2") != std::string::npos);
    CHECK(bad.size() == 0);
    CHECK_FALSE(bad.load(kTrue + "  relative/path\n", "rel"));
    CHECK_FALSE(bad.load(std::string(64, 'g') + "  /x\n", "hex"));
    CHECK_FALSE(bad.load(kTrue + "  /x\n" + kFalse + "  /y\n", "limit", WhitelistLimits{1, 8192}));
}

TEST_CASE("first-seen: keyed on path AND content: a replaced executable is flagged, a copy is recognised")
{
    Whitelist list;
    list.add("/usr/bin/true", kTrue);
    list.add("/usr/bin/false", kFalse);
    CHECK(judge(list, "/usr/bin/true", {kTrue, ""}).verdict == Verdict::Known);
    auto replaced = judge(list, "/usr/bin/true", {kEvil, ""});
    CHECK(replaced.verdict == Verdict::Replaced); // a name whitelist would have passed it
    CHECK(replaced.listed == std::set<std::string>{kTrue});
    auto swapped = judge(list, "/usr/bin/true", {kFalse, ""});
    CHECK(swapped.verdict == Verdict::Replaced);
    CHECK(swapped.copiedFrom == "/usr/bin/false");
    auto copied = judge(list, "/tmp/t", {kTrue, ""});
    CHECK(copied.verdict == Verdict::NewPath);
    CHECK(copied.copiedFrom == "/usr/bin/true");
    auto gone = judge(list, "/usr/bin/true", {std::nullopt, "no such file"});
    CHECK(gone.verdict == Verdict::Unverifiable);
    CHECK(gone.why == "no such file");
    CHECK(judge(list, "/tmp/gone", {std::nullopt, "x"}).verdict == Verdict::NewPath);

    // per estate: the union of two hosts' lists knows both versions of a path
    Whitelist estate;
    REQUIRE(estate.load(kTrue + "  /opt/app\n", "host1"));
    REQUIRE(estate.load(kFalse + "  /opt/app\n", "host2"));
    CHECK(judge(estate, "/opt/app", {kFalse, ""}).verdict == Verdict::Known);
    CHECK(judge(estate, "/opt/app", {kTrue, ""}).verdict == Verdict::Known);
}

TEST_CASE("first-seen: the first run of each (path, content) once, with the run count; known runs counted")
{
    Whitelist list;
    list.add("/usr/bin/true", kTrue);
    FirstSeenTracker tracker(list);
    CHECK_FALSE(tracker.feed(exec(10, 1, "/usr/bin/true"), {kTrue, ""}));
    auto first = tracker.feed(exec(11, 1, "/tmp/new", 7, 1005), {kEvil, ""});
    REQUIRE(first);
    CHECK(first->verdict == Verdict::NewPath);
    CHECK(first->first.pid == 11);
    CHECK_FALSE(tracker.feed(exec(12, 1, "/tmp/new"), {kEvil, ""}));
    auto swapped = tracker.feed(exec(13, 1, "/usr/bin/true"), {kEvil, ""});
    REQUIRE(swapped);
    CHECK(swapped->verdict == Verdict::Replaced);
    AuditEvent failed = exec(14, 1, "/tmp/other");
    failed.success = false;
    CHECK_FALSE(tracker.feed(failed, {kEvil, ""})); // a failed exec ran nothing
    const auto flagged = tracker.flagged();
    REQUIRE(flagged.size() == 2);
    CHECK(flagged[0].runs == 2);
    CHECK(flagged[1].runs == 1);
    CHECK(tracker.knownRuns() == 1);

    // a script run by a listed interpreter: judged by its own path and content
    auto script = tracker.feed(exec(15, 1, "/usr/bin/true"), "/tmp/drop.sh", {kEvil, ""});
    REQUIRE(script);
    CHECK(script->path == "/tmp/drop.sh");
    CHECK(script->first.exe == "/usr/bin/true");

    FirstSeenTracker bounded(list, 1);
    bounded.feed(exec(20, 1, "/tmp/a"), {kEvil, ""});
    bounded.feed(exec(21, 1, "/tmp/b"), {kEvil, ""});
    CHECK(bounded.saturated());
    CHECK(bounded.flagged().size() == 1);
}
