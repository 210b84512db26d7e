// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/events/windows.hxx"

#include "core/base/safe_text.hxx"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace gpaudit::core::events {

namespace {

constexpr std::string_view kProvider = "Microsoft-Windows-Security-Auditing";
constexpr std::string_view kProviderGuid = "{54849625-5478-4994-a5ba-3e3b0328c30d}";
constexpr std::string_view kAuditSuccess = "0x8020000000000000"; // Keywords: Audit Success
constexpr std::string_view kAuditFailure = "0x8010000000000000"; // Keywords: Audit Failure
constexpr std::uint32_t kSystemLogonId = 0x3e7;                  // SYSTEM's logon session (LUID 999)

struct Subject {
    Account account;
    std::string logonId;
};

// The subject of a Linux event: the login identity (auid, which survives su and sudo) and its session.
// A process outside any login (auid unset) acts for the system: as root it is SYSTEM (S-1-5-18, logon
// id 0x3e7, as Windows shows services), otherwise the account of its uid.
Subject subjectOf(const AuditEvent &event, const RenderContext &context)
{
    Subject subject;
    if (event.auid == kUnsetId && (event.uid == 0 || event.uid == kUnsetId)) {
        subject.account = {"S-1-5-18", "SYSTEM", "NT AUTHORITY"};
        subject.logonId = hex(kSystemLogonId);
        return subject;
    }
    const auto uid = event.auid != kUnsetId ? event.auid : event.uid;
    subject.account = context.accounts->account(uid);
    subject.logonId = event.ses != kUnsetId ? hex(event.ses) : hex(0);
    return subject;
}

void addSubject(WindowsEvent &out, const Subject &subject)
{
    out.data.push_back({"SubjectUserSid", subject.account.sid});
    out.data.push_back({"SubjectUserName", subject.account.name});
    out.data.push_back({"SubjectDomainName", subject.account.domain});
    out.data.push_back({"SubjectLogonId", subject.logonId});
}

WindowsEvent base(const AuditEvent &event, const RenderContext &context, std::uint32_t id, std::uint32_t version,
                  std::uint32_t task, std::string taskName, std::string slug)
{
    WindowsEvent out;
    out.eventId = id;
    out.version = version;
    out.task = task;
    out.taskName = std::move(taskName);
    out.seconds = event.seconds;
    out.milliseconds = event.milliseconds;
    out.recordId = event.serial;
    out.computer = context.computer;
    out.subcategory = std::move(slug);
    char ms[16];
    (void)std::snprintf(ms, sizeof ms, "%03u", event.milliseconds % 1000);
    out.auditId = std::to_string(event.seconds) + "." + ms + ":" + std::to_string(event.serial);
    return out;
}

void appendXmlEscaped(std::string &out, std::string_view text)
{
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            out += c;
        }
    }
}

} // namespace

Account AccountResolver::group(std::uint32_t gid) const
{
    return {"S-1-22-2-" + std::to_string(gid), std::to_string(gid), {}};
}

std::optional<Account> AccountResolver::byName(std::string_view) const
{
    return std::nullopt;
}

Account LocalAccounts::group(std::uint32_t gid) const
{
    return {"S-1-22-2-" + std::to_string(gid), std::to_string(gid), host_};
}

namespace detail {
WindowsEvent baseEvent(const AuditEvent &event, const RenderContext &context, std::uint32_t id, std::uint32_t version,
                       std::uint32_t task, std::string taskName, std::string slug)
{
    return base(event, context, id, version, task, std::move(taskName), std::move(slug));
}
void addSubjectFields(WindowsEvent &out, const AuditEvent &event, const RenderContext &context)
{
    addSubject(out, subjectOf(event, context));
}
std::string subjectLogonId(const AuditEvent &event)
{
    if (event.auid == kUnsetId && (event.uid == 0 || event.uid == kUnsetId))
        return hex(kSystemLogonId);
    return event.ses != kUnsetId ? hex(event.ses) : hex(0);
}
} // namespace detail

Account LocalAccounts::account(std::uint32_t uid) const
{
    Account account;
    account.sid = "S-1-22-1-" + std::to_string(uid);
    std::optional<std::string> name;
    if (nameOf_)
        name = nameOf_(uid);
    account.name = name ? *name : std::to_string(uid);
    account.domain = host_;
    return account;
}

std::string hex(std::uint64_t value)
{
    char buffer[24];
    (void)std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
}

std::string systemTime(std::int64_t seconds, std::uint32_t milliseconds)
{
    // Days since 1970-01-01 to a civil date (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
    std::int64_t days = seconds / 86400;
    std::int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char buffer[160];
    // Windows writes 100 ns ticks: seven fractional digits.
    (void)std::snprintf(buffer, sizeof buffer, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03u0000Z",
                        static_cast<long long>(year), static_cast<long long>(month), static_cast<long long>(day),
                        static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                        static_cast<long long>(rest % 60), milliseconds % 1000);
    return buffer;
}

std::string commandLine(const std::vector<std::string> &argv)
{
    // The quoting CreateProcess' command line parser (CommandLineToArgvW) undoes: an argument with a
    // space, a tab or nothing is quoted, quotes are escaped with a backslash, and backslashes only
    // where they precede a quote.
    std::string out;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (i > 0)
            out += ' ';
        const auto &arg = argv[i];
        const bool quote = arg.empty() || arg.find_first_of(" \t") != std::string::npos;
        if (quote)
            out += '"';
        std::size_t backslashes = 0;
        for (char c : arg) {
            if (c == '\\') {
                ++backslashes;
                continue;
            }
            if (c == '"') {
                out.append(backslashes * 2 + 1, '\\');
                out += '"';
            } else {
                out.append(backslashes, '\\');
                out += c;
            }
            backslashes = 0;
        }
        out.append(quote ? backslashes * 2 : backslashes, '\\');
        if (quote)
            out += '"';
    }
    return out;
}

// 4688, version 2 (Windows 10 / Server 2016 and later). Exact: the field names and order, the hex
// formats of the process and logon ids, NewProcessName (the new image: exe= of the successful execve,
// the PATH name of a failed one), ProcessId (the parent), CommandLine only when the policy enables it
// (empty otherwise, as on Windows). Approximate (events.md): Subject* is the login identity (auid) and
// SubjectLogonId its session (ses); TokenElevationType %%1937 (elevated) when the new image runs as root
// for a person who logged in as someone else (sudo, set-uid root), %%1936 (full token) otherwise;
// Target* names the effective user when it differs from the subject (set-uid, sudo), S-1-0-0 / "-"
// otherwise; ParentProcessName from the parent's earlier event in the stream, empty when unseen;
// MandatoryLabel has no Linux counterpart: empty.
std::optional<WindowsEvent> renderProcessCreation(const AuditEvent &event, const RenderContext &context)
{
    if (event.syscall != "execve" && event.syscall != "execveat")
        return std::nullopt;
    auto out = base(event, context, 4688, 2, 13312, "Process Creation", "process-creation");
    const bool ok = event.success.value_or(true);
    out.success = ok;
    const auto subject = subjectOf(event, context);
    addSubject(out, subject);
    out.data.push_back({"NewProcessId", hex(event.pid)});
    std::string image;
    if (ok && !event.exe.empty())
        image = event.exe;
    else if (!event.paths.empty())
        image = event.paths.front();
    else if (!event.argv.empty())
        image = event.argv.front();
    out.data.push_back({"NewProcessName", image});
    const bool elevated = event.euid == 0 && event.auid != kUnsetId && event.auid != 0;
    out.data.push_back({"TokenElevationType", elevated ? "%%1937" : "%%1936"});
    out.data.push_back({"ProcessId", hex(event.ppid)});
    out.data.push_back({"CommandLine", context.includeCommandLine ? commandLine(event.argv) : std::string()});
    const auto subjectUid = event.auid != kUnsetId ? event.auid : event.uid;
    if (event.euid != kUnsetId && event.euid != subjectUid && !(event.auid == kUnsetId && event.euid == 0)) {
        const auto target = context.accounts->account(event.euid);
        out.data.push_back({"TargetUserSid", target.sid});
        out.data.push_back({"TargetUserName", target.name});
        out.data.push_back({"TargetDomainName", target.domain});
        out.data.push_back({"TargetLogonId", subject.logonId});
    } else {
        out.data.push_back({"TargetUserSid", "S-1-0-0"});
        out.data.push_back({"TargetUserName", "-"});
        out.data.push_back({"TargetDomainName", "-"});
        out.data.push_back({"TargetLogonId", "0x0"});
    }
    std::string parent;
    if (context.processName)
        if (auto name = context.processName(event.ppid))
            parent = *name;
    out.data.push_back({"ParentProcessName", parent});
    out.data.push_back({"MandatoryLabel", ""});
    return out;
}

// 4689, version 0. Exact: field names and order, ProcessId in hex, ProcessName (the exiting image).
// Status is the exit status given to exit_group (hex, 32 bits); Windows puts the process's NTSTATUS
// exit code there, 0x0 for a normal end in both. Subject* as for 4688.
std::optional<WindowsEvent> renderProcessTermination(const AuditEvent &event, const RenderContext &context)
{
    if (event.syscall != "exit_group")
        return std::nullopt;
    auto out = base(event, context, 4689, 0, 13313, "Process Termination", "process-termination");
    out.success = true; // exit_group has no result (mapping.md kernel fact 10)
    addSubject(out, subjectOf(event, context));
    out.data.push_back({"Status", hex(event.args[0] & 0xffffffffU)});
    out.data.push_back({"ProcessId", hex(event.pid)});
    out.data.push_back({"ProcessName", event.exe});
    return out;
}

bool hasRenderer(std::string_view slug)
{
    return slug == "process-creation" || slug == "process-termination" || hasSecurityRenderer(slug);
}

std::optional<WindowsEvent> renderFor(std::string_view slug, const AuditEvent &event, const RenderContext &context)
{
    if (slug == "process-creation")
        return renderProcessCreation(event, context);
    if (slug == "process-termination")
        return renderProcessTermination(event, context);
    return renderSecurityEvent(slug, event, context);
}

std::string toJson(const WindowsEvent &event)
{
    nlohmann::ordered_json json;
    json["EventID"] = event.eventId;
    json["Version"] = event.version;
    json["Level"] = 0;
    json["Task"] = event.task;
    json["Opcode"] = 0;
    json["Keywords"] = event.success ? kAuditSuccess : kAuditFailure;
    json["Provider"] = kProvider;
    json["Channel"] = "Security";
    json["Computer"] = displayText(event.computer);
    json["TimeCreated"] = systemTime(event.seconds, event.milliseconds);
    json["EventRecordID"] = event.recordId;
    json["Category"] = event.taskName;
    json["Outcome"] = event.success ? "Audit Success" : "Audit Failure";
    auto &data = json["EventData"];
    data = nlohmann::ordered_json::object();
    for (const auto &field : event.data)
        data[field.name] = displayText(field.value); // untrusted bytes: visible escapes, valid UTF-8
    json["Linux"] = {{"Subcategory", event.subcategory}, {"AuditEvent", event.auditId}};
    if (!event.note.empty())
        json["Linux"]["Note"] = displayText(event.note); // issue 16: approximate fields of a Samba record
    return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string toXml(const WindowsEvent &event)
{
    std::string out = R"(<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>)";
    out += "<Provider Name=\"" + std::string(kProvider) + "\" Guid=\"" + std::string(kProviderGuid) + "\"/>";
    out += "<EventID>" + std::to_string(event.eventId) + "</EventID>";
    out += "<Version>" + std::to_string(event.version) + "</Version>";
    out += "<Level>0</Level><Task>" + std::to_string(event.task) + "</Task><Opcode>0</Opcode>";
    out += "<Keywords>" + std::string(event.success ? kAuditSuccess : kAuditFailure) + "</Keywords>";
    out += "<TimeCreated SystemTime=\"" + systemTime(event.seconds, event.milliseconds) + "\"/>";
    out += "<EventRecordID>" + std::to_string(event.recordId) + "</EventRecordID>";
    out += "<Correlation/><Execution ProcessID=\"0\" ThreadID=\"0\"/><Channel>Security</Channel><Computer>";
    appendXmlEscaped(out, displayText(event.computer));
    out += "</Computer><Security/></System><EventData>";
    for (const auto &field : event.data) {
        out += "<Data Name=\"";
        appendXmlEscaped(out, field.name);
        out += "\">";
        appendXmlEscaped(out, displayText(field.value));
        out += "</Data>";
    }
    out += "</EventData></Event>";
    return out;
}

} // namespace gpaudit::core::events
