// SPDX-License-Identifier: GPL-2.0-or-later
// JsonLines (the plugin's JSON writer, shapes built once) writes exactly toJson()'s lines: for 4688 and
// 4689 in turn, success and failure, hostile values (control characters, invalid UTF-8, quotes,
// backslashes, a bidi override), and more shapes than it caches.
#include "core/events/json_lines.hxx"
#include "core/events/windows.hxx"

#include <doctest/doctest.h>
#include <string>

using namespace gpaudit::core::events;

namespace {

AuditEvent execEvent(std::uint64_t serial, std::string exe)
{
    AuditEvent event;
    event.seconds = 1764631800 + static_cast<std::int64_t>(serial);
    event.milliseconds = static_cast<std::uint32_t>(serial % 1000);
    event.serial = serial;
    event.recordType = "SYSCALL";
    event.syscall = "execve";
    event.success = serial % 3 != 0;
    event.pid = static_cast<std::uint32_t>(serial * 7);
    event.ppid = 1;
    event.uid = event.auid = 1000;
    event.euid = serial % 2 == 0 ? 0 : 1000;
    event.ses = 3;
    event.exe = std::move(exe);
    event.argv = {"a b", "c\"d\\"};
    return event;
}

} // namespace

TEST_CASE("JsonLines writes toJson's lines byte for byte")
{
    const LocalAccounts accounts("LINUX1");
    RenderContext context;
    context.accounts = &accounts;
    context.includeCommandLine = true;
    JsonLines lines;
    std::string expected;
    const std::string hostile[] = {"/usr/bin/ls", std::string("/tmp/\x1b[31m\xff\"q\\ \n"),
                                   "/tmp/\xe2\x80\xae"
                                   "cod.exe",
                                   "/tmp/é"};
    for (std::uint64_t serial = 1; serial <= 40; ++serial) {
        context.computer = serial % 5 == 0 ? std::string("host\x01") : std::string("linux1.gpa.test");
        auto event = execEvent(serial, hostile[serial % 4]);
        if (serial % 4 == 1)
            event.syscall = "exit_group";
        auto rendered = event.syscall == "exit_group" ? renderProcessTermination(event, context)
                                                      : renderProcessCreation(event, context);
        REQUIRE(rendered);
        expected += toJson(*rendered) + "\n";
        lines.append(*rendered);
    }
    CHECK(lines.buffer() == expected);

    // Past the cache's bound of shapes: still toJson's lines.
    JsonLines many;
    std::string manyExpected;
    for (int i = 0; i < 100; ++i) {
        WindowsEvent event;
        event.eventId = 9000 + static_cast<std::uint32_t>(i);
        event.data = {{"F" + std::to_string(i), "v"}, {"G", std::to_string(i)}};
        manyExpected += toJson(event) + "\n";
        many.append(event);
    }
    CHECK(many.buffer() == manyExpected);
}
