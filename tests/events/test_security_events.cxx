// SPDX-License-Identifier: GPL-2.0-or-later
// The Windows events of the other subcategories (security_events.cxx): each from the Linux event that
// realises it, with its ID, version, task and fields in the schema's order; every rendered subcategory
// documented in rules/mapping.yaml (windows:) and no documentation without a renderer.
#include "core/events/windows.hxx"
#include "events/windows_fixtures.hxx"
#include "host/data/rules_data.hxx"

#include <doctest/doctest.h>
#include <string>
#include <vector>

namespace {

using namespace gpaudit::core::events;
using gpaudit::test::field;
using gpaudit::test::names;

const gpaudit::test::AliceDirectory kDirectory("LINUX1");

RenderContext context()
{
    RenderContext c;
    c.computer = "linux1.gpa.test";
    c.accounts = &kDirectory;
    return c;
}

AuditEvent userRecord(std::string type, std::vector<std::pair<std::string, std::string>> fields, bool success = true)
{
    AuditEvent event;
    event.seconds = 1764631800;
    event.serial = 77;
    event.recordType = std::move(type);
    event.success = success;
    event.pid = 0x4d2;
    event.uid = 0;
    event.auid = 1104;
    event.ses = 9;
    event.recordFields = std::move(fields);
    for (const auto &[k, v] : event.recordFields)
        if (k == "exe")
            event.exe = v;
    return event;
}

AuditEvent syscall(std::string name, bool success = true)
{
    AuditEvent event;
    event.seconds = 1764631800;
    event.serial = 78;
    event.recordType = "SYSCALL";
    event.syscall = std::move(name);
    event.success = success;
    event.exit = success ? 0 : -13;
    event.pid = 0x99;
    event.uid = event.euid = event.auid = 1104;
    event.ses = 9;
    event.exe = "/usr/bin/tool";
    return event;
}

} // namespace

TEST_CASE("4624 from USER_START, 4625 from a failed USER_LOGIN, 4634 from USER_END")
{
    auto start = userRecord("USER_START", {{"op", "PAM:session_open"},
                                           {"grantors", "pam_unix,pam_systemd"},
                                           {"acct", "alice"},
                                           {"exe", "/usr/sbin/sshd"},
                                           {"hostname", "10.0.0.5"},
                                           {"addr", "10.0.0.5"},
                                           {"terminal", "/dev/pts/1"},
                                           {"res", "success"}});
    auto logon = renderFor("logon", start, context());
    REQUIRE(logon);
    CHECK(logon->eventId == 4624);
    CHECK(logon->version == 2);
    CHECK(logon->task == 12544);
    CHECK(names(*logon) == std::vector<std::string>{"SubjectUserSid",
                                                    "SubjectUserName",
                                                    "SubjectDomainName",
                                                    "SubjectLogonId",
                                                    "TargetUserSid",
                                                    "TargetUserName",
                                                    "TargetDomainName",
                                                    "TargetLogonId",
                                                    "LogonType",
                                                    "LogonProcessName",
                                                    "AuthenticationPackageName",
                                                    "WorkstationName",
                                                    "LogonGuid",
                                                    "TransmittedServices",
                                                    "LmPackageName",
                                                    "KeyLength",
                                                    "ProcessId",
                                                    "ProcessName",
                                                    "IpAddress",
                                                    "IpPort",
                                                    "ImpersonationLevel",
                                                    "RestrictedAdminMode",
                                                    "TargetOutboundUserName",
                                                    "TargetOutboundDomainName",
                                                    "VirtualAccount",
                                                    "TargetLinkedLogonId",
                                                    "ElevatedToken"});
    CHECK(field(*logon, "SubjectUserSid") == "S-1-5-18"); // sshd, a root daemon
    CHECK(field(*logon, "TargetUserSid") == "S-1-5-21-1004336348-1177238915-682003330-1104");
    CHECK(field(*logon, "TargetUserName") == "alice");
    CHECK(field(*logon, "TargetLogonId") == "0x9");
    CHECK(field(*logon, "LogonType") == "10");
    CHECK(field(*logon, "IpAddress") == "10.0.0.5");
    CHECK(field(*logon, "ProcessId") == "0x4d2");
    CHECK(field(*logon, "ProcessName") == "/usr/sbin/sshd");

    auto failed = userRecord("USER_LOGIN",
                             {{"op", "login"},
                              {"acct", "mallory"},
                              {"exe", "/usr/sbin/sshd"},
                              {"addr", "10.0.0.6"},
                              {"terminal", "ssh"},
                              {"res", "failed"}},
                             false);
    failed.auid = kUnsetId;
    auto denied = renderFor("logon", failed, context());
    REQUIRE(denied);
    CHECK(denied->eventId == 4625);
    CHECK_FALSE(denied->success);
    CHECK(field(*denied, "TargetUserSid") == "S-1-0-0");
    CHECK(field(*denied, "TargetUserName") == "mallory");
    CHECK(field(*denied, "Status") == "0xc000006d");
    CHECK(field(*denied, "SubStatus") == "0xc000006a");
    CHECK(field(*denied, "LogonType") == "3");
    CHECK_FALSE(renderFor("logon", userRecord("CRED_ACQ", {{"acct", "alice"}}), context()));

    auto end = userRecord("USER_END", {{"acct", "alice"}, {"exe", "/usr/sbin/cron"}});
    auto logoff = renderFor("logoff", end, context());
    REQUIRE(logoff);
    CHECK(logoff->eventId == 4634);
    CHECK(names(*logoff) == std::vector<std::string>{"TargetUserSid", "TargetUserName", "TargetDomainName",
                                                     "TargetLogonId", "LogonType"});
    CHECK(field(*logoff, "LogonType") == "4");
}

TEST_CASE("4672 when a person gains root; 4673 for set-uid root and ptrace; 4674 for sudo")
{
    auto exec = syscall("execve");
    exec.euid = 0;
    auto special = renderFor("special-logon", exec, context());
    REQUIRE(special);
    CHECK(special->eventId == 4672);
    CHECK(field(*special, "SubjectUserSid") == "S-1-22-1-0");
    CHECK(field(*special, "SubjectLogonId") == "0x9");
    CHECK(field(*special, "PrivilegeList").find("SeDebugPrivilege") != std::string::npos);
    auto privileged = renderFor("sensitive-privilege-use", exec, context());
    REQUIRE(privileged);
    CHECK(privileged->eventId == 4673);
    CHECK(field(*privileged, "PrivilegeList") == "SeTcbPrivilege");
    auto trace = renderFor("sensitive-privilege-use", syscall("ptrace", false), context());
    REQUIRE(trace);
    CHECK_FALSE(trace->success);
    CHECK(field(*trace, "PrivilegeList") == "SeDebugPrivilege");
    auto sudo =
        renderFor("sensitive-privilege-use",
                  userRecord("USER_CMD", {{"cwd", "/root"}, {"cmd", "id"}, {"exe", "/usr/bin/sudo"}}), context());
    REQUIRE(sudo);
    CHECK(sudo->eventId == 4674);
    CHECK(field(*sudo, "ObjectName") == "id");
    CHECK(field(*sudo, "SubjectUserName") == "alice");
}

TEST_CASE("4616 for a clock change, none for an adjtimex that only read; 4608 at boot")
{
    auto set = syscall("clock_settime");
    set.otherRecordTypes = {"TIME_INJOFFSET"};
    set.recordFields = {{"sec", "3600"}, {"nsec", "0"}};
    auto changed = renderFor("security-state-change", set, context());
    REQUIRE(changed);
    CHECK(changed->eventId == 4616);
    CHECK(names(*changed) == std::vector<std::string>{"SubjectUserSid", "SubjectUserName", "SubjectDomainName",
                                                      "SubjectLogonId", "PreviousTime", "NewTime", "ProcessId",
                                                      "ProcessName"});
    CHECK(field(*changed, "NewTime") == "2025-12-01T23:30:00.0000000Z");
    CHECK(field(*changed, "PreviousTime") == "2025-12-01T22:30:00.0000000Z");
    CHECK_FALSE(renderFor("security-state-change", syscall("adjtimex"), context()));
    CHECK_FALSE(renderFor("security-state-change", syscall("clock_settime", false), context()));
    auto boot = renderFor("security-state-change", userRecord("SYSTEM_BOOT", {}), context());
    REQUIRE(boot);
    CHECK(boot->eventId == 4608);
}

TEST_CASE("4719 from CONFIG_CHANGE names the subcategory of a gpaudit rule")
{
    auto change = userRecord("CONFIG_CHANGE", {{"op", "add_rule"}, {"key", "gpaudit-process-creation"}, {"list", "4"}});
    auto rendered = renderFor("audit-policy-change", change, context());
    REQUIRE(rendered);
    CHECK(rendered->eventId == 4719);
    CHECK(field(*rendered, "CategoryId") == "%%8276");
    CHECK(field(*rendered, "SubcategoryId") == "%%13312");
    CHECK(field(*rendered, "AuditPolicyChanges") == "%%8449, %%8451");
    change.recordFields = {{"op", "remove_rule"}, {"key", "stig-exec"}};
    rendered = renderFor("audit-policy-change", change, context());
    REQUIRE(rendered);
    CHECK(field(*rendered, "SubcategoryId") == "-");
    CHECK(field(*rendered, "AuditPolicyChanges") == "%%8450, %%8452");
}

TEST_CASE("user and group management: 4720, 4726, 4724, 4731, 4734, 4732")
{
    auto add = renderFor("user-account-management",
                         userRecord("ADD_USER", {{"op", "adding user"}, {"id", "1200"}, {"acct", "bob"}}), context());
    REQUIRE(add);
    CHECK(add->eventId == 4720);
    CHECK(field(*add, "TargetUserName") == "bob");
    CHECK(field(*add, "TargetSid") == "S-1-22-1-1200");
    CHECK(field(*add, "SamAccountName") == "bob");
    CHECK(field(*add, "SubjectUserName") == "alice");
    auto del =
        renderFor("user-account-management", userRecord("DEL_USER", {{"id", "1200"}, {"acct", "bob"}}), context());
    REQUIRE(del);
    CHECK(del->eventId == 4726);
    auto reset = renderFor("user-account-management", userRecord("USER_CHAUTHTOK", {{"id", "1200"}, {"acct", "bob"}}),
                           context());
    REQUIRE(reset);
    CHECK(reset->eventId == 4724);
    auto own = renderFor("user-account-management", userRecord("USER_CHAUTHTOK", {{"id", "1104"}, {"acct", "alice"}}),
                         context());
    REQUIRE(own);
    CHECK(own->eventId == 4723);
    auto group =
        renderFor("security-group-management",
                  userRecord("ADD_GROUP", {{"op", "adding group"}, {"id", "1300"}, {"grp", "ops"}}), context());
    REQUIRE(group);
    CHECK(group->eventId == 4731);
    CHECK(field(*group, "TargetSid") == "S-1-22-2-1300");
    CHECK(field(*group, "TargetUserName") == "ops");
    CHECK(field(*group, "TargetDomainName") == "LINUX1");
    auto gone =
        renderFor("security-group-management", userRecord("DEL_GROUP", {{"id", "1300"}, {"grp", "ops"}}), context());
    REQUIRE(gone);
    CHECK(gone->eventId == 4734);
    auto member = renderFor("security-group-management",
                            userRecord("GRP_MGMT", {{"op", "adding member to group"}, {"acct", "bob"}, {"grp", "ops"}}),
                            context());
    REQUIRE(member);
    CHECK(member->eventId == 4732);
    CHECK(field(*member, "MemberName") == "bob");
}

TEST_CASE("4663 for an access, 4656 for a denied one; removable storage; 4697; 6416")
{
    auto write = syscall("openat");
    write.args[2] = 01 | 0100; // O_WRONLY|O_CREAT
    write.paths = {"/srv/data", "/srv/data/report.txt"};
    auto access = renderFor("file-system", write, context());
    REQUIRE(access);
    CHECK(access->eventId == 4663);
    CHECK(access->task == 12800);
    CHECK(names(*access) == std::vector<std::string>{"SubjectUserSid", "SubjectUserName", "SubjectDomainName",
                                                     "SubjectLogonId", "ObjectServer", "ObjectType", "ObjectName",
                                                     "HandleId", "AccessList", "AccessMask", "ProcessId", "ProcessName",
                                                     "ResourceAttributes"});
    CHECK(field(*access, "ObjectName") == "/srv/data/report.txt");
    CHECK(field(*access, "AccessList") == "%%4417");
    CHECK(field(*access, "AccessMask") == "0x2");
    auto read = syscall("openat", false);
    read.paths = {"/root/secret"};
    auto denied = renderFor("file-system", read, context());
    REQUIRE(denied);
    CHECK(denied->eventId == 4656);
    CHECK_FALSE(denied->success);
    CHECK(field(*denied, "AccessList") == "%%4416");
    CHECK(field(*denied, "AccessMask") == "0x1");
    auto unlink = syscall("unlinkat");
    unlink.paths = {"/srv/data", "/srv/data/old"};
    CHECK(field(*renderFor("file-system", unlink, context()), "AccessMask") == "0x10000");

    auto mount = syscall("mount");
    mount.paths = {"/mnt/usb"};
    auto removable = renderFor("removable-storage", mount, context());
    REQUIRE(removable);
    CHECK(removable->eventId == 4663);
    CHECK(removable->task == 12812);
    CHECK(field(*removable, "ObjectName") == "/mnt/usb");

    auto unit = syscall("openat");
    unit.paths = {"/etc/systemd/system", "/etc/systemd/system/evil.service"};
    auto service = renderFor("security-system-extension", unit, context());
    REQUIRE(service);
    CHECK(service->eventId == 4697);
    CHECK(field(*service, "ServiceName") == "evil.service");
    CHECK(field(*service, "ServiceType") == "0x10");
    auto pam = syscall("openat");
    pam.paths = {"/etc/pam.d/sshd"};
    CHECK_FALSE(renderFor("security-system-extension", pam, context()));
    auto module = syscall("finit_module");
    module.paths = {"/lib/modules/x/dummy.ko"};
    auto driver = renderFor("security-system-extension", module, context());
    REQUIRE(driver);
    CHECK(field(*driver, "ServiceType") == "0x1");
    auto device = renderFor("pnp-activity", module, context());
    REQUIRE(device);
    CHECK(device->eventId == 6416);
    CHECK(device->taskName == "Plug and Play Events");
    CHECK(field(*device, "DeviceId") == "/lib/modules/x/dummy.ko");
}

TEST_CASE("every subcategory with a renderer is documented in rules/mapping.yaml, and only those")
{
    auto data = gpaudit::host::loadRulesData();
    REQUIRE(data);
    const auto &subs = data->catalog.subcategories();
    for (std::size_t i = 0; i < subs.size(); ++i) {
        INFO(subs[i].slug);
        CHECK(hasRenderer(subs[i].slug) == !data->mapping.of(i).windows.empty());
        CHECK(subcategoryTask(subs[i].slug) != 0);
    }
}
