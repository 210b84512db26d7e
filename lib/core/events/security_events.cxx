// SPDX-License-Identifier: GPL-2.0-or-later
// The Windows Security events of the subcategories other than Process Creation/Termination, from the
// Linux events that realise them (rules/mapping.yaml). Field names and order as in the events' schemas
// (Microsoft-Windows-Security-Auditing; learn.microsoft.com/windows/security/threat-protection/auditing/
// event-NNNN). What is exact and what is approximate is written, per subcategory, in mapping.yaml's
// `windows:` (gpauditctl mapping, gpaudit-mapping(7)); the comments here say why where it is not obvious.
// Pure.
#include "core/events/windows.hxx"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace gpaudit::core::events {

namespace {

using detail::addSubjectFields;
using detail::baseEvent;

// The subcategories' message ids, which are also the Task of their events (auditpol /list /subcategory
// with their GUIDs; 4688's Task 13312 = Process Creation).
constexpr std::array<std::pair<std::string_view, std::uint32_t>, 59> kTasks = {{
    {"security-state-change", 12288},
    {"security-system-extension", 12289},
    {"system-integrity", 12290},
    {"ipsec-driver", 12291},
    {"other-system-events", 12292},
    {"logon", 12544},
    {"logoff", 12545},
    {"account-lockout", 12546},
    {"ipsec-main-mode", 12547},
    {"special-logon", 12548},
    {"ipsec-quick-mode", 12549},
    {"ipsec-extended-mode", 12550},
    {"other-logon-logoff-events", 12551},
    {"network-policy-server", 12552},
    {"user-device-claims", 12553},
    {"group-membership", 12554},
    {"file-system", 12800},
    {"registry", 12801},
    {"kernel-object", 12802},
    {"sam", 12803},
    {"other-object-access-events", 12804},
    {"certification-services", 12805},
    {"application-generated", 12806},
    {"handle-manipulation", 12807},
    {"file-share", 12808},
    {"filtering-platform-packet-drop", 12809},
    {"filtering-platform-connection", 12810},
    {"detailed-file-share", 12811},
    {"removable-storage", 12812},
    {"central-access-policy-staging", 12813},
    {"sensitive-privilege-use", 13056},
    {"non-sensitive-privilege-use", 13057},
    {"other-privilege-use-events", 13058},
    {"process-creation", 13312},
    {"process-termination", 13313},
    {"dpapi-activity", 13314},
    {"rpc-events", 13315},
    {"pnp-activity", 13316},
    {"token-right-adjusted-events", 13317},
    {"audit-policy-change", 13568},
    {"authentication-policy-change", 13569},
    {"authorization-policy-change", 13570},
    {"mpssvc-rule-level-policy-change", 13571},
    {"filtering-platform-policy-change", 13572},
    {"other-policy-change-events", 13573},
    {"user-account-management", 13824},
    {"computer-account-management", 13825},
    {"security-group-management", 13826},
    {"distribution-group-management", 13827},
    {"application-group-management", 13828},
    {"other-account-management-events", 13829},
    {"directory-service-access", 14080},
    {"directory-service-changes", 14081},
    {"directory-service-replication", 14082},
    {"detailed-directory-service-replication", 14083},
    {"credential-validation", 14336},
    {"kerberos-service-ticket-operations", 14337},
    {"other-account-logon-events", 14338},
    {"kerberos-authentication-service", 14339},
}};

// The category of a subcategory task (4719's CategoryId, "%%8272" System ... "%%8280" Account Logon).
std::uint32_t categoryOf(std::uint32_t task)
{
    switch (task / 256) {
    case 48: // 12288..
        return 8272;
    case 49:
        return 8273; // Logon/Logoff
    case 50:
        return 8274; // Object Access
    case 51:
        return 8275; // Privilege Use
    case 52:
        return 8276; // Detailed Tracking
    case 53:
        return 8277; // Policy Change
    case 54:
        return 8278; // Account Management
    case 55:
        return 8279; // DS Access
    case 56:
        return 8280; // Account Logon
    default:
        return 0;
    }
}

std::string taskName(std::string_view slug)
{
    if (slug == "pnp-activity")
        return "Plug and Play Events";
    // "security-state-change" -> "Security State Change" (the slugs are the subcategories' names).
    std::string out;
    bool upper = true;
    for (char c : slug) {
        if (c == '-') {
            out += ' ';
            upper = true;
            continue;
        }
        out += upper ? static_cast<char>(c - ('a' <= c && c <= 'z' ? 32 : 0)) : c;
        upper = false;
    }
    return out;
}

WindowsEvent start(const AuditEvent &event, const RenderContext &context, std::uint32_t id, std::uint32_t version,
                   std::string_view slug)
{
    auto out = baseEvent(event, context, id, version, subcategoryTask(slug), taskName(slug), std::string(slug));
    out.success = event.success.value_or(true);
    return out;
}

std::string dash(std::string_view text)
{
    return text.empty() || text == "?" ? std::string("-") : std::string(text);
}

std::optional<std::uint32_t> number(std::string_view text)
{
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::string baseName(std::string_view path)
{
    const auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool has(const AuditEvent &event, std::string_view type)
{
    return event.recordType == type || std::find(event.otherRecordTypes.begin(), event.otherRecordTypes.end(), type) !=
                                           event.otherRecordTypes.end();
}

// The account a user-space record names (acct=), by its uid (auid/id) when known, else by name alone.
Account targetAccount(const AuditEvent &event, const RenderContext &context, std::optional<std::uint32_t> uid)
{
    Account account;
    const auto acct = event.field("acct");
    // The name decides when the resolver knows it: a PAM record's auid is the caller's login uid until
    // pam_loginuid sets it (runuser, su keep the caller's).
    if (!acct.empty())
        if (auto named = context.accounts->byName(acct))
            return *named;
    if (uid && *uid != kUnsetId)
        account = context.accounts->account(*uid);
    if (!acct.empty())
        account.name = std::string(acct);
    if (account.sid.empty())
        account.sid = "S-1-0-0";
    if (account.domain.empty())
        account.domain = "-";
    return account;
}

// LogonType (4624/4625/4634) from the PAM application (exe) and terminal: sshd with a terminal is a
// remote interactive session (10), without one a network logon (3); cron and atd batch (4); systemd
// (user@.service, services) service (5); the rest (login, gdm, su, sudo) interactive (2).
std::string logonType(const AuditEvent &event)
{
    const auto exe = baseName(event.exe.empty() ? event.field("exe") : event.exe);
    const auto terminal = event.field("terminal");
    if (exe == "sshd")
        return terminal.empty() || terminal == "ssh" || terminal == "?" ? "3" : "10";
    if (exe == "cron" || exe == "crond" || exe == "atd")
        return "4";
    if (exe == "systemd")
        return "5";
    return "2";
}

// An account as the events name it: <role>UserSid, <role>UserName, <role>DomainName and, when given, its
// logon session <role>LogonId (role "Subject" or "Target").
void addAccountFields(WindowsEvent &out, std::string_view role, const Account &account,
                      std::optional<std::string> logonId)
{
    const std::string prefix(role);
    out.data.push_back({prefix + "UserSid", account.sid});
    out.data.push_back({prefix + "UserName", account.name});
    out.data.push_back({prefix + "DomainName", account.domain});
    if (logonId)
        out.data.push_back({prefix + "LogonId", std::move(*logonId)});
}

// The session a PAM record names (ses=) as a logon id; "0x0" when it has none.
std::string sessionLogonId(const AuditEvent &event)
{
    return event.ses != kUnsetId ? hex(event.ses) : "0x0";
}

// A logon's subject is the process that logged the account on (sshd, login: root daemons = SYSTEM), not
// the account's own session.
void addLogonSubject(WindowsEvent &out, const AuditEvent &event, const RenderContext &context)
{
    AuditEvent subject = event;
    subject.auid = kUnsetId;
    addSubjectFields(out, subject, context);
}

// How and from where the account logged on, the fields 4624 and 4625 share in this order (4624 has its
// LogonGuid among them).
void addLogonFields(WindowsEvent &out, const AuditEvent &event, bool logonGuid)
{
    const std::string process = event.exe.empty() ? std::string(event.field("exe")) : event.exe;
    out.data.push_back({"LogonType", logonType(event)});
    out.data.push_back({"LogonProcessName", baseName(process)});
    out.data.push_back({"AuthenticationPackageName", dash(event.field("grantors"))});
    out.data.push_back({"WorkstationName", dash(event.field("hostname"))});
    if (logonGuid)
        out.data.push_back({"LogonGuid", "{00000000-0000-0000-0000-000000000000}"});
    out.data.push_back({"TransmittedServices", "-"});
    out.data.push_back({"LmPackageName", "-"});
    out.data.push_back({"KeyLength", "0"});
    out.data.push_back({"ProcessId", hex(event.pid)});
    out.data.push_back({"ProcessName", dash(process)});
    out.data.push_back({"IpAddress", dash(event.field("addr"))});
    out.data.push_back({"IpPort", "-"});
}

// 4624 "An account was successfully logged on" (version 2) from USER_START (the PAM session opened);
// 4625 "An account failed to log on" (version 0) from a failed USER_LOGIN or USER_ACCT.
std::optional<WindowsEvent> logon(const AuditEvent &event, const RenderContext &context)
{
    const bool success = event.success.value_or(true);
    const auto target =
        targetAccount(event, context, event.auid != kUnsetId ? std::optional(event.auid) : std::nullopt);
    if (event.recordType == "USER_START" && success) {
        auto out = start(event, context, 4624, 2, "logon");
        addLogonSubject(out, event, context);
        addAccountFields(out, "Target", target, sessionLogonId(event));
        addLogonFields(out, event, true);
        out.data.push_back({"ImpersonationLevel", "%%1833"}); // Impersonation
        out.data.push_back({"RestrictedAdminMode", "-"});
        out.data.push_back({"TargetOutboundUserName", "-"});
        out.data.push_back({"TargetOutboundDomainName", "-"});
        out.data.push_back({"VirtualAccount", "%%1843"}); // No
        out.data.push_back({"TargetLinkedLogonId", "0x0"});
        out.data.push_back({"ElevatedToken", event.auid == 0 ? "%%1842" : "%%1843"}); // Yes / No
        return out;
    }
    if ((event.recordType == "USER_LOGIN" || event.recordType == "USER_ACCT") && !success) {
        auto out = start(event, context, 4625, 0, "logon");
        addLogonSubject(out, event, context);
        // Windows: the NULL SID for a failed logon; no logon session.
        addAccountFields(out, "Target", {"S-1-0-0", dash(target.name), target.domain}, std::nullopt);
        // USER_ACCT failed: the account may not log on (expired, locked, access.conf): 0xc000006e
        // "account restriction"; USER_LOGIN failed: bad user name or password 0xc000006d / 0xc000006a.
        const bool account = event.recordType == "USER_ACCT";
        out.data.push_back({"Status", account ? "0xc000006e" : "0xc000006d"});
        out.data.push_back({"FailureReason", account ? "%%2312" : "%%2313"});
        out.data.push_back({"SubStatus", account ? "0xc000006e" : "0xc000006a"});
        addLogonFields(out, event, false);
        return out;
    }
    return std::nullopt;
}

// 4634 "An account was logged off" (version 0) from USER_END (the PAM session closed).
std::optional<WindowsEvent> logoff(const AuditEvent &event, const RenderContext &context)
{
    if (event.recordType != "USER_END")
        return std::nullopt;
    auto out = start(event, context, 4634, 0, "logoff");
    out.success = true;
    const auto target =
        targetAccount(event, context, event.auid != kUnsetId ? std::optional(event.auid) : std::nullopt);
    addAccountFields(out, "Target", target, sessionLogonId(event));
    out.data.push_back({"LogonType", logonType(event)});
    return out;
}

// What Windows lists for an administrator's logon; root holds every capability.
constexpr std::string_view kAdminPrivileges =
    "SeAssignPrimaryTokenPrivilege\n\t\t\tSeTcbPrivilege\n\t\t\tSeSecurityPrivilege\n\t\t\tSeTakeOwnershipPrivilege"
    "\n\t\t\tSeLoadDriverPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeDebugPrivilege"
    "\n\t\t\tSeAuditPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeImpersonatePrivilege"
    "\n\t\t\tSeDelegateSessionUserImpersonatePrivilege";

// 4672 "Special privileges assigned to new logon" (version 0): a person gains root (a set-uid-root
// program, setuid(0)); the subject is the root identity in that person's session.
std::optional<WindowsEvent> specialLogon(const AuditEvent &event, const RenderContext &context)
{
    if (event.syscall.empty() || !event.success.value_or(true))
        return std::nullopt;
    auto out = start(event, context, 4672, 0, "special-logon");
    addAccountFields(out, "Subject", context.accounts->account(0), detail::subjectLogonId(event));
    out.data.push_back({"PrivilegeList", std::string(kAdminPrivileges)});
    return out;
}

// 4616 "The system time was changed" (version 1) from a successful clock_settime/settimeofday/
// clock_adjtime, or an adjtimex that changed the clock (the kernel adds TIME_INJOFFSET / TIME_ADJNTPVAL);
// 4608/4609 from SYSTEM_BOOT/SYSTEM_SHUTDOWN.
std::optional<WindowsEvent> stateChange(const AuditEvent &event, const RenderContext &context)
{
    if (event.recordType == "SYSTEM_BOOT" || event.recordType == "SYSTEM_SHUTDOWN") {
        auto out = start(event, context, event.recordType == "SYSTEM_BOOT" ? 4608 : 4609, 0, "security-state-change");
        out.success = true;
        return out;
    }
    if (event.syscall.empty() || !event.success.value_or(true))
        return std::nullopt;
    const bool sets = event.syscall == "clock_settime" || event.syscall == "settimeofday" || event.syscall == "stime" ||
                      event.syscall == "clock_adjtime" || has(event, "TIME_INJOFFSET") || has(event, "TIME_ADJNTPVAL");
    if (!sets)
        return std::nullopt; // adjtimex that only read the clock: Windows logs nothing either
    auto out = start(event, context, 4616, 1, "security-state-change");
    addSubjectFields(out, event, context);
    // TIME_INJOFFSET sec=/nsec= is the step the clock took: the previous time is the new one minus it.
    std::string previous = "-";
    if (auto sec = event.field("sec"); !sec.empty()) {
        std::int64_t step = 0;
        auto [end, ec] = std::from_chars(sec.data(), sec.data() + sec.size(), step);
        if (ec == std::errc{})
            previous = systemTime(event.seconds - step, event.milliseconds);
    }
    out.data.push_back({"PreviousTime", previous});
    out.data.push_back({"NewTime", systemTime(event.seconds, event.milliseconds)});
    out.data.push_back({"ProcessId", hex(event.pid)});
    out.data.push_back({"ProcessName", event.exe});
    return out;
}

// 4719 "System audit policy was changed" (version 0) from CONFIG_CHANGE add_rule/remove_rule: a rule
// keyed gpaudit-<slug> names its subcategory; another rule's subcategory is unknown ("-").
std::optional<WindowsEvent> auditPolicyChange(const AuditEvent &event, const RenderContext &context)
{
    if (!has(event, "CONFIG_CHANGE"))
        return std::nullopt;
    const auto op = event.field("op");
    const bool added = op == "add_rule";
    if (!added && op != "remove_rule")
        return std::nullopt;
    auto out = start(event, context, 4719, 0, "audit-policy-change");
    addSubjectFields(out, event, context);
    std::uint32_t task = 0;
    for (const auto &key : splitKeys(event.field("key")))
        if (key.starts_with("gpaudit-"))
            task = subcategoryTask(std::string_view(key).substr(8));
    out.data.push_back({"CategoryId", task != 0 ? "%%" + std::to_string(categoryOf(task)) : "-"});
    out.data.push_back({"SubcategoryId", task != 0 ? "%%" + std::to_string(task) : "-"});
    out.data.push_back({"SubcategoryGuid", "-"});
    // The record does not say whether the rule audits success or failure: both are named.
    out.data.push_back({"AuditPolicyChanges", added ? "%%8449, %%8451" : "%%8450, %%8452"});
    return out;
}

void addAccountTarget(WindowsEvent &out, const Account &target)
{
    out.data.push_back({"TargetUserName", target.name});
    out.data.push_back({"TargetDomainName", target.domain});
    out.data.push_back({"TargetSid", target.sid});
}

// 4720 created, 4726 deleted, 4738 changed, 4723/4724 password change/reset, 4725 disabled, 4722
// enabled, from shadow-utils' and passwd's records.
std::optional<WindowsEvent> userManagement(const AuditEvent &event, const RenderContext &context)
{
    const auto &type = event.recordType;
    std::uint32_t id = 0;
    if (type == "ADD_USER")
        id = 4720;
    else if (type == "DEL_USER")
        id = 4726;
    else if (type == "USER_MGMT")
        id = 4738;
    else if (type == "USER_CHAUTHTOK")
        id = 0; // decided below
    else if (type == "ACCT_LOCK")
        id = 4725;
    else if (type == "ACCT_UNLOCK")
        id = 4722;
    else
        return std::nullopt;
    auto target = targetAccount(event, context, number(event.field("id")));
    if (type == "USER_CHAUTHTOK") {
        const auto subject = context.accounts->account(event.auid != kUnsetId ? event.auid : event.uid);
        id = subject.name == target.name ? 4723 : 4724; // own password, or someone else's reset
    }
    auto out = start(event, context, id, 0, "user-account-management");
    if (id == 4720 || id == 4723 || id == 4724 || id == 4725 || id == 4722 || id == 4726 || id == 4738) {
        addAccountTarget(out, target);
        addSubjectFields(out, event, context);
    }
    if (id == 4720 || id == 4726 || id == 4738)
        out.data.push_back({"PrivilegeList", "-"});
    if (id == 4720) {
        out.data.push_back({"SamAccountName", target.name});
        for (const auto *name :
             {"DisplayName", "UserPrincipalName", "HomeDirectory", "HomePath", "ScriptPath", "ProfilePath",
              "UserWorkstations", "PasswordLastSet", "AccountExpires", "PrimaryGroupId", "AllowedToDelegateTo",
              "OldUacValue", "NewUacValue", "UserAccountControl", "UserParameters", "SidHistory", "LogonHours"})
            out.data.push_back({name, "-"});
    }
    if (id == 4738) {
        out.data.push_back({"Dummy", "-"});
        out.data.push_back({"SamAccountName", "-"});
        for (const auto *name :
             {"DisplayName", "UserPrincipalName", "HomeDirectory", "HomePath", "ScriptPath", "ProfilePath",
              "UserWorkstations", "PasswordLastSet", "AccountExpires", "PrimaryGroupId", "AllowedToDelegateTo",
              "OldUacValue", "NewUacValue", "UserAccountControl", "UserParameters", "SidHistory", "LogonHours"})
            out.data.push_back({name, "-"});
    }
    return out;
}

// 4731 created, 4734 deleted, 4735 changed, 4732/4733 member added/removed (local groups: Linux groups
// are the host's, like Windows' local security groups), from shadow-utils' records.
std::optional<WindowsEvent> groupManagement(const AuditEvent &event, const RenderContext &context)
{
    const auto &type = event.recordType;
    if (type != "ADD_GROUP" && type != "DEL_GROUP" && type != "GRP_MGMT" && type != "GRP_CHAUTHTOK")
        return std::nullopt;
    const auto op = event.field("op");
    std::uint32_t id = 4735;
    if (type == "ADD_GROUP")
        id = 4731;
    else if (type == "DEL_GROUP")
        id = 4734;
    else if (op.find("add") != std::string_view::npos && op.find("member") != std::string_view::npos)
        id = 4732;
    else if ((op.find("delet") != std::string_view::npos || op.find("remov") != std::string_view::npos) &&
             op.find("member") != std::string_view::npos)
        id = 4733;
    Account group;
    if (auto gid = number(event.field("id")))
        group = context.accounts->group(*gid);
    const auto name = !event.field("grp").empty() ? event.field("grp") : event.field("acct");
    if (!name.empty())
        group.name = std::string(name);
    if (group.sid.empty())
        group.sid = "S-1-0-0";
    if (group.domain.empty())
        group.domain = "-";
    auto out = start(event, context, id, 0, "security-group-management");
    if (id == 4732 || id == 4733) {
        out.data.push_back({"MemberName", dash(event.field("acct"))});
        out.data.push_back({"MemberSid", "-"});
    }
    addAccountTarget(out, group);
    addSubjectFields(out, event, context);
    out.data.push_back({"PrivilegeList", "-"});
    if (id == 4731 || id == 4735) {
        out.data.push_back({"SamAccountName", group.name});
        out.data.push_back({"SidHistory", "-"});
    }
    return out;
}

// The access a file syscall asked for, as Windows' AccessList (message ids) and AccessMask.
std::pair<std::string, std::uint32_t> fileAccess(const AuditEvent &event)
{
    const auto &s = event.syscall;
    if (s == "open" || s == "openat" || s == "openat2" || s == "creat" || s == "open_by_handle_at") {
        const auto flags = s == "open" ? event.args[1] : s == "creat" ? 01 : event.args[2];
        const auto mode = flags & 3U;
        std::string list;
        std::uint32_t mask = 0;
        if (mode != 1) {
            list = "%%4416"; // ReadData (or ListDirectory)
            mask |= 0x1;
        }
        if (mode != 0) {
            list += list.empty() ? "%%4417" : " %%4417"; // WriteData (or AddFile)
            mask |= 0x2;
        }
        if ((flags & 02000) != 0) {
            list += " %%4418"; // AppendData
            mask |= 0x4;
        }
        return {list, mask};
    }
    if (s == "truncate" || s == "ftruncate")
        return {"%%4417", 0x2};
    if (s.starts_with("unlink") || s.starts_with("rename") || s == "rmdir")
        return {"%%1537", 0x10000}; // DELETE
    if (s.find("chmod") != std::string::npos || s.find("xattr") != std::string::npos)
        return {"%%1539", 0x40000}; // WRITE_DAC
    if (s.find("chown") != std::string::npos)
        return {"%%1540", 0x80000}; // WRITE_OWNER
    if (s.starts_with("link") || s.starts_with("symlink"))
        return {"%%4417", 0x2};
    if (s.starts_with("execve"))
        return {"%%4421", 0x20}; // Execute
    return {"-", 0};
}

// 4663 "An attempt was made to access an object" (version 1) for an access that happened; 4656 "A
// handle to an object was requested" (version 1) with Audit Failure for one that was denied.
std::optional<WindowsEvent> objectAccess(std::string_view slug, const AuditEvent &event, const RenderContext &context)
{
    if (event.syscall.empty())
        return std::nullopt;
    const bool success = event.success.value_or(true);
    // The object: the last PATH (the file a create, unlink or rename acted on; item 0 is its directory).
    const std::string object = event.paths.empty() ? std::string("-") : event.paths.back();
    const auto [list, mask] = fileAccess(event);
    auto out = start(event, context, success ? 4663 : 4656, 1, slug);
    addSubjectFields(out, event, context);
    out.data.push_back({"ObjectServer", "Security"});
    out.data.push_back({"ObjectType", "File"});
    out.data.push_back({"ObjectName", object});
    out.data.push_back({"HandleId", "0x0"});
    if (!success)
        out.data.push_back({"TransactionId", "{00000000-0000-0000-0000-000000000000}"});
    out.data.push_back({"AccessList", list});
    if (!success)
        out.data.push_back({"AccessReason", "-"});
    out.data.push_back({"AccessMask", hex(mask)});
    if (!success) {
        out.data.push_back({"PrivilegeList", "-"});
        out.data.push_back({"RestrictedSidCount", "0"});
    }
    out.data.push_back({"ProcessId", hex(event.pid)});
    out.data.push_back({"ProcessName", event.exe});
    out.data.push_back({"ResourceAttributes", "-"});
    return out;
}

// 4697 "A service was installed in the system" (version 0): a systemd unit written in /etc/systemd/system
// (ServiceType 0x10, own process) or a kernel module loaded (0x1, kernel driver).
std::optional<WindowsEvent> serviceInstall(const AuditEvent &event, const RenderContext &context)
{
    if (event.syscall.empty() || !event.success.value_or(true))
        return std::nullopt;
    const bool module = event.syscall == "init_module" || event.syscall == "finit_module";
    std::string unit;
    for (const auto &path : event.paths)
        if (path.starts_with("/etc/systemd/system/") &&
            (path.ends_with(".service") || path.ends_with(".timer") || path.ends_with(".socket")))
            unit = path;
    if (!module && unit.empty())
        return std::nullopt; // PAM, NSS, ld.so.preload changes: no Windows counterpart event
    auto out = start(event, context, 4697, 0, "security-system-extension");
    addSubjectFields(out, event, context);
    out.data.push_back(
        {"ServiceName", module ? dash(event.paths.empty() ? "" : baseName(event.paths.back())) : baseName(unit)});
    out.data.push_back({"ServiceFileName", module ? dash(event.paths.empty() ? "" : event.paths.back()) : unit});
    out.data.push_back({"ServiceType", module ? "0x1" : "0x10"});
    out.data.push_back({"ServiceStartType", module ? "0" : "2"});
    out.data.push_back({"ServiceAccount", "LocalSystem"});
    return out;
}

// 4673 "A privileged service was called" (version 0): the privilege a syscall used (set-uid root:
// SeTcbPrivilege; ptrace and process_vm_*: SeDebugPrivilege; open_by_handle_at: SeBackupPrivilege);
// 4674 "An operation was attempted on a privileged object" (version 0) for sudo's USER_CMD.
std::optional<WindowsEvent> privilegeUse(const AuditEvent &event, const RenderContext &context)
{
    if (event.recordType == "USER_CMD") {
        auto out = start(event, context, 4674, 0, "sensitive-privilege-use");
        addSubjectFields(out, event, context);
        out.data.push_back({"ObjectServer", "Security"});
        out.data.push_back({"ObjectType", "-"});
        out.data.push_back({"ObjectName", dash(event.field("cmd"))});
        out.data.push_back({"HandleId", "0x0"});
        out.data.push_back({"AccessMask", "0x0"});
        out.data.push_back({"PrivilegeList", "SeTcbPrivilege"});
        out.data.push_back({"ProcessId", hex(event.pid)});
        out.data.push_back({"ProcessName", event.exe});
        return out;
    }
    if (event.syscall.empty())
        return std::nullopt;
    std::string privilege;
    if (event.syscall.starts_with("execve"))
        privilege = "SeTcbPrivilege";
    else if (event.syscall == "ptrace" || event.syscall.starts_with("process_vm") || event.syscall == "pidfd_getfd")
        privilege = "SeDebugPrivilege";
    else if (event.syscall == "open_by_handle_at")
        privilege = "SeBackupPrivilege";
    else
        privilege = "SeTakeOwnershipPrivilege"; // FullPrivilegeAuditing: root on another user's file
    auto out = start(event, context, 4673, 0, "sensitive-privilege-use");
    addSubjectFields(out, event, context);
    out.data.push_back({"ObjectServer", "Security"});
    out.data.push_back({"Service", "-"});
    out.data.push_back({"PrivilegeList", privilege});
    out.data.push_back({"ProcessId", hex(event.pid)});
    out.data.push_back({"ProcessName", event.exe});
    return out;
}

// 6416 "A new external device was recognized by the system" (version 1): USBGuard's USER_DEVICE for an
// allowed device, or a kernel module loaded (the driver of a device).
std::optional<WindowsEvent> pnp(const AuditEvent &event, const RenderContext &context)
{
    const bool device = event.recordType == "USER_DEVICE";
    const bool module = event.syscall == "init_module" || event.syscall == "finit_module";
    if ((!device && !module) || !event.success.value_or(true))
        return std::nullopt;
    auto out = start(event, context, 6416, 1, "pnp-activity");
    addSubjectFields(out, event, context);
    const std::string name =
        device ? std::string(event.field("device")) : (event.paths.empty() ? std::string() : event.paths.back());
    out.data.push_back({"DeviceId", dash(name)});
    out.data.push_back({"DeviceDescription", device ? dash(event.field("op")) : "kernel module " + dash(name)});
    out.data.push_back({"ClassId", "-"});
    out.data.push_back({"ClassName", device ? "USB" : "-"});
    out.data.push_back({"VendorIds", "-"});
    out.data.push_back({"CompatibleIds", "-"});
    out.data.push_back({"LocationInformation", "-"});
    return out;
}

} // namespace

std::uint32_t subcategoryTask(std::string_view slug)
{
    for (const auto &[name, task] : kTasks)
        if (name == slug)
            return task;
    return 0;
}

bool hasSecurityRenderer(std::string_view slug)
{
    return slug == "logon" || slug == "logoff" || slug == "special-logon" || slug == "security-state-change" ||
           slug == "audit-policy-change" || slug == "user-account-management" || slug == "security-group-management" ||
           slug == "file-system" || slug == "removable-storage" || slug == "security-system-extension" ||
           slug == "sensitive-privilege-use" || slug == "pnp-activity";
}

std::optional<WindowsEvent> renderSecurityEvent(std::string_view slug, const AuditEvent &event,
                                                const RenderContext &context)
{
    if (slug == "logon")
        return logon(event, context);
    if (slug == "logoff")
        return logoff(event, context);
    if (slug == "special-logon")
        return specialLogon(event, context);
    if (slug == "security-state-change")
        return stateChange(event, context);
    if (slug == "audit-policy-change")
        return auditPolicyChange(event, context);
    if (slug == "user-account-management")
        return userManagement(event, context);
    if (slug == "security-group-management")
        return groupManagement(event, context);
    if (slug == "file-system" || slug == "removable-storage")
        return objectAccess(slug, event, context);
    if (slug == "security-system-extension")
        return serviceInstall(event, context);
    if (slug == "sensitive-privilege-use")
        return privilegeUse(event, context);
    if (slug == "pnp-activity")
        return pnp(event, context);
    return std::nullopt;
}

} // namespace gpaudit::core::events
