// SPDX-License-Identifier: GPL-2.0-or-later
// 4688/4689 rendering: field names, order and formats; JSON and XML escaping of hostile values.
#include "core/events/windows.hxx"
#include "events/windows_fixtures.hxx"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <string>

namespace {

using namespace gpaudit::core::events;
using gpaudit::test::AliceDirectory;
using gpaudit::test::field;
using gpaudit::test::names;

AuditEvent exec()
{
    AuditEvent event;
    event.seconds = 1764631800; // 2025-12-01T23:30:00Z
    event.milliseconds = 45;
    event.serial = 4001;
    event.recordType = "SYSCALL";
    event.syscall = "execve";
    event.success = true;
    event.pid = 0x1a2b;
    event.ppid = 4660;
    event.uid = event.euid = event.auid = 1104;
    event.ses = 12;
    event.exe = "/usr/bin/ls";
    event.argv = {"ls", "-l", "/tmp/a b"};
    return event;
}

} // namespace

TEST_CASE("4688 has the schema's fields in order and Windows' formats")
{
    const AliceDirectory directory("linux1");
    RenderContext context{"linux1.gpa.test", &directory, false, [](std::uint32_t pid) -> std::optional<std::string> {
                              if (pid == 4660)
                                  return "/usr/bin/bash";
                              return std::nullopt;
                          }};
    const auto event = renderProcessCreation(exec(), context);
    REQUIRE(event);
    CHECK(names(*event) == std::vector<std::string>{"SubjectUserSid", "SubjectUserName", "SubjectDomainName",
                                                    "SubjectLogonId", "NewProcessId", "NewProcessName",
                                                    "TokenElevationType", "ProcessId", "CommandLine", "TargetUserSid",
                                                    "TargetUserName", "TargetDomainName", "TargetLogonId",
                                                    "ParentProcessName", "MandatoryLabel"});
    CHECK(event->eventId == 4688);
    CHECK(event->version == 2);
    CHECK(field(*event, "SubjectUserSid") == "S-1-5-21-1004336348-1177238915-682003330-1104");
    CHECK(field(*event, "SubjectUserName") == "alice");
    CHECK(field(*event, "SubjectDomainName") == "GPA");
    CHECK(field(*event, "SubjectLogonId") == "0xc");
    CHECK(field(*event, "NewProcessId") == "0x1a2b");
    CHECK(field(*event, "ProcessId") == "0x1234");
    CHECK(field(*event, "NewProcessName") == "/usr/bin/ls");
    CHECK(field(*event, "TokenElevationType") == "%%1936");
    CHECK(field(*event, "CommandLine").empty()); // not enabled
    CHECK(field(*event, "TargetUserSid") == "S-1-0-0");
    CHECK(field(*event, "ParentProcessName") == "/usr/bin/bash");

    context.includeCommandLine = true;
    CHECK(field(*renderProcessCreation(exec(), context), "CommandLine") == "ls -l \"/tmp/a b\"");

    CHECK(toJson(*event) ==
          R"({"EventID":4688,"Version":2,"Level":0,"Task":13312,"Opcode":0,"Keywords":"0x8020000000000000",)"
          R"("Provider":"Microsoft-Windows-Security-Auditing","Channel":"Security","Computer":"linux1.gpa.test",)"
          R"("TimeCreated":"2025-12-01T23:30:00.0450000Z","EventRecordID":4001,"Category":"Process Creation",)"
          R"("Outcome":"Audit Success","EventData":{"SubjectUserSid":"S-1-5-21-1004336348-1177238915-682003330-1104",)"
          R"("SubjectUserName":"alice","SubjectDomainName":"GPA","SubjectLogonId":"0xc","NewProcessId":"0x1a2b",)"
          R"("NewProcessName":"/usr/bin/ls","TokenElevationType":"%%1936","ProcessId":"0x1234","CommandLine":"",)"
          R"("TargetUserSid":"S-1-0-0","TargetUserName":"-","TargetDomainName":"-","TargetLogonId":"0x0",)"
          R"("ParentProcessName":"/usr/bin/bash","MandatoryLabel":""},)"
          R"("Linux":{"Subcategory":"process-creation","AuditEvent":"1764631800.045:4001"}})");
}

TEST_CASE("4688 of sudo / set-uid root: elevated, target is root")
{
    const AliceDirectory directory("linux1");
    RenderContext context{"linux1", &directory, false, {}};
    auto audit = exec();
    audit.euid = 0;
    const auto event = renderProcessCreation(audit, context);
    REQUIRE(event);
    CHECK(field(*event, "TokenElevationType") == "%%1937");
    CHECK(field(*event, "TargetUserSid") == "S-1-22-1-0");
    CHECK(field(*event, "TargetDomainName") == "linux1");
    CHECK(field(*event, "TargetLogonId") == "0xc");
    CHECK(field(*event, "ParentProcessName").empty());
}

TEST_CASE("a service's exec (auid unset, root) is SYSTEM's, as on Windows")
{
    const AliceDirectory directory("linux1");
    RenderContext context{"linux1", &directory, false, {}};
    auto audit = exec();
    audit.uid = audit.euid = 0;
    audit.auid = audit.ses = kUnsetId;
    const auto event = renderProcessCreation(audit, context);
    REQUIRE(event);
    CHECK(field(*event, "SubjectUserSid") == "S-1-5-18");
    CHECK(field(*event, "SubjectLogonId") == "0x3e7");
    CHECK(field(*event, "TokenElevationType") == "%%1936");
    CHECK(field(*event, "TargetUserSid") == "S-1-0-0");
}

TEST_CASE("a failed exec names the file it tried, Audit Failure")
{
    const AliceDirectory directory("linux1");
    RenderContext context{"linux1", &directory, false, {}};
    auto audit = exec();
    audit.success = false;
    audit.exe = "/usr/bin/bash"; // still the old image
    audit.paths = {"/root/denied"};
    const auto event = renderProcessCreation(audit, context);
    REQUIRE(event);
    CHECK_FALSE(event->success);
    CHECK(field(*event, "NewProcessName") == "/root/denied");
    CHECK(toJson(*event).find(R"("Keywords":"0x8010000000000000")") != std::string::npos);
}

TEST_CASE("4689 from exit_group")
{
    const AliceDirectory directory("linux1");
    RenderContext context{"linux1", &directory, false, {}};
    auto audit = exec();
    audit.syscall = "exit_group";
    audit.args[0] = 0xffffffffffffffffULL; // exit(-1)
    audit.success.reset();
    const auto event = renderProcessTermination(audit, context);
    REQUIRE(event);
    CHECK(event->eventId == 4689);
    CHECK(toXml(*event) ==
          R"(<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>)"
          R"(<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/>)"
          R"(<EventID>4689</EventID><Version>0</Version><Level>0</Level><Task>13313</Task><Opcode>0</Opcode>)"
          R"(<Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime="2025-12-01T23:30:00.0450000Z"/>)"
          R"(<EventRecordID>4001</EventRecordID><Correlation/><Execution ProcessID="0" ThreadID="0"/>)"
          R"(<Channel>Security</Channel><Computer>linux1</Computer><Security/></System><EventData>)"
          R"(<Data Name="SubjectUserSid">S-1-5-21-1004336348-1177238915-682003330-1104</Data>)"
          R"(<Data Name="SubjectUserName">alice</Data><Data Name="SubjectDomainName">GPA</Data>)"
          R"(<Data Name="SubjectLogonId">0xc</Data><Data Name="Status">0xffffffff</Data>)"
          R"(<Data Name="ProcessId">0x1a2b</Data><Data Name="ProcessName">/usr/bin/ls</Data></EventData></Event>)");
    CHECK_FALSE(renderProcessTermination(exec(), context));
    CHECK_FALSE(renderProcessCreation(audit, context));
}

TEST_CASE("hostile values stay one valid line in JSON and XML")
{
    const AliceDirectory directory("linux1");
    RenderContext context{"linux1<&>", &directory, true, {}};
    auto audit = exec();
    audit.exe = std::string("/tmp/</Data><Data Name=\"x\">&'\n\x1b[31m\xff\"");
    audit.argv = {"a\"b", "c\\\"d", "e f\\", "\t"};
    const auto event = renderProcessCreation(audit, context);
    REQUIRE(event);
    const auto json = toJson(*event);
    CHECK(json.find('\n') == std::string::npos);
    const auto parsed = nlohmann::json::parse(json, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    CHECK(parsed["EventData"]["NewProcessName"] == "/tmp/</Data><Data Name=\"x\">&'\\x0a\\x1b[31m\\xff\"");
    CHECK(parsed["EventData"]["CommandLine"] == "a\\\"b c\\\\\\\"d \"e f\\\\\" \"\\x09\"");
    const auto xml = toXml(*event);
    CHECK(xml.find('\n') == std::string::npos);
    CHECK(xml.find("<Computer>linux1&lt;&amp;&gt;</Computer>") != std::string::npos);
    CHECK(
        xml.find(
            R"(<Data Name="NewProcessName">/tmp/&lt;/Data&gt;&lt;Data Name=&quot;x&quot;&gt;&amp;&apos;\x0a\x1b[31m\xff&quot;</Data>)") !=
        std::string::npos);
}

TEST_CASE("formats")
{
    CHECK(hex(0) == "0x0");
    CHECK(hex(0x3e7) == "0x3e7");
    CHECK(systemTime(0, 0) == "1970-01-01T00:00:00.0000000Z");
    CHECK(systemTime(951782400, 999) == "2000-02-29T00:00:00.9990000Z");
    CHECK(systemTime(4102444799, 1) == "2099-12-31T23:59:59.0010000Z");
    CHECK(commandLine({}).empty());
    CHECK(commandLine({""}) == "\"\"");
    CHECK(LocalAccounts("h").account(1000).sid == "S-1-22-1-1000");
    CHECK(LocalAccounts("h").account(1000).name == "1000");
    CHECK(LocalAccounts("h", [](std::uint32_t) { return std::optional<std::string>("bob"); }).account(1).name == "bob");
}
