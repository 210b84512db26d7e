// SPDX-License-Identifier: GPL-2.0-or-later
// Linux audit events rendered as the Windows Security events their subcategory produces on Windows,
// with Microsoft's field names and formats, as JSON lines and as Windows event XML. Pure.
//
// Implemented: 4688 "A new process has been created" (Process Creation) and 4689 "A process has exited"
// (Process Termination), field by field as in the events' schema (Microsoft-Windows-Security-Auditing,
// 4688 version 2, 4689 version 0; learn.microsoft.com/windows/security/threat-protection/auditing/
// event-4688 and event-4689). What is exact and what is approximate: see renderProcessCreation().
#pragma once

#include "core/events/event.hxx"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::core::events {

struct Account {
    std::string sid;    // "S-1-5-21-...-1104", or the fallback "S-1-22-1-UID"
    std::string name;   // "alice"
    std::string domain; // "GPA" / the host name for local accounts
};

// uid -> SID and name. The host adapter asks SSSD/winbind; LocalAccounts is the documented fallback.
class AccountResolver {
  public:
    virtual ~AccountResolver() = default;
    [[nodiscard]] virtual Account account(std::uint32_t uid) const = 0;
    // gid -> SID and name; by default Samba's "Unix Group" convention S-1-22-2-GID with the decimal gid.
    [[nodiscard]] virtual Account group(std::uint32_t gid) const;
    // An account by its name (acct= of PAM and shadow-utils records); nullopt when unknown.
    [[nodiscard]] virtual std::optional<Account> byName(std::string_view name) const;
};

// Local accounts, Samba's convention for Unix users without a domain SID: S-1-22-1-UID (winbind's
// "Unix User" domain; groups are S-1-22-2-GID), the host name as domain. The name comes from nameOf
// (the host adapter's passwd lookup), else the decimal uid.
class LocalAccounts : public AccountResolver {
  public:
    LocalAccounts(std::string hostName, std::function<std::optional<std::string>(std::uint32_t)> nameOf = {})
        : host_(std::move(hostName)), nameOf_(std::move(nameOf))
    {
    }
    [[nodiscard]] Account account(std::uint32_t uid) const override;
    [[nodiscard]] Account group(std::uint32_t gid) const override;

  private:
    std::string host_;
    std::function<std::optional<std::string>(std::uint32_t)> nameOf_;
};

struct RenderContext {
    std::string computer;                      // <Computer>: the host's name (FQDN when known)
    const AccountResolver *accounts = nullptr; // required
    // "Include command line in process creation events" (Administrative Templates, Registry.pol:
    // Software\Microsoft\Windows\CurrentVersion\Policies\System\Audit!ProcessCreationIncludeCmdLine_Enabled).
    bool includeCommandLine = false;
    // The executable of a process by pid, for ParentProcessName (the stream's earlier events); may be empty.
    std::function<std::optional<std::string>(std::uint32_t pid)> processName;
};

struct DataField {
    std::string name;
    std::string value;
};

struct WindowsEvent {
    std::uint32_t eventId = 0;
    std::uint32_t version = 0;
    std::uint32_t task = 0;   // 13312 Process Creation, 13313 Process Termination
    std::string taskName;     // "Process Creation"
    bool success = true;      // Keywords: Audit Success / Audit Failure
    std::int64_t seconds = 0; // TimeCreated
    std::uint32_t milliseconds = 0;
    std::uint64_t recordId = 0; // EventRecordID: the audit serial
    std::string computer;
    std::string subcategory;     // the gpaudit slug it was classified under
    std::string auditId;         // "SECONDS.MMM:SERIAL", the Linux event it comes from
    std::vector<DataField> data; // EventData, in the schema's order
    std::string note;            // issue 16: what is approximate (Samba records), in "Linux": {"Note"}
};

// 4688 from an execve/execveat event; nullopt when the event is not one.
std::optional<WindowsEvent> renderProcessCreation(const AuditEvent &event, const RenderContext &context);
// 4689 from an exit_group event; nullopt when the event is not one.
std::optional<WindowsEvent> renderProcessTermination(const AuditEvent &event, const RenderContext &context);
// The event of a subcategory (slug), nullopt when the subcategory has no renderer yet or the event does
// not fit it.
std::optional<WindowsEvent> renderFor(std::string_view slug, const AuditEvent &event, const RenderContext &context);
[[nodiscard]] bool hasRenderer(std::string_view slug);

// One JSON object on one line (no newline): System fields at the top, EventData as forwarders ship it.
std::string toJson(const WindowsEvent &event);
// One <Event> element on one line (no newline), the schema of Windows event XML.
std::string toXml(const WindowsEvent &event);

// The renderers of the other subcategories (security_events.cxx): nullopt when the subcategory has none
// or the event does not fit it. Which event comes from which Linux record, and what is exact and what is
// approximate, is in rules/mapping.yaml (windows:), printed by `gpauditctl mapping` and gpaudit-mapping(7).
std::optional<WindowsEvent> renderSecurityEvent(std::string_view slug, const AuditEvent &event,
                                                const RenderContext &context);
[[nodiscard]] bool hasSecurityRenderer(std::string_view slug);
// The Windows task (= subcategory message id, "%%13312") of a subcategory slug; 0 when unknown.
[[nodiscard]] std::uint32_t subcategoryTask(std::string_view slug);

namespace detail {
// The System part of an event and its Subject* fields, as 4688 has them (windows.cxx).
WindowsEvent baseEvent(const AuditEvent &event, const RenderContext &context, std::uint32_t id, std::uint32_t version,
                       std::uint32_t task, std::string taskName, std::string slug);
void addSubjectFields(WindowsEvent &out, const AuditEvent &event, const RenderContext &context);
std::string subjectLogonId(const AuditEvent &event);
} // namespace detail

// Helpers with Windows' formats, exposed for tests.
std::string hex(std::uint64_t value);                                     // "0x1a2b"
std::string systemTime(std::int64_t seconds, std::uint32_t milliseconds); // "2026-12-01T23:30:00.1230000Z"
std::string commandLine(const std::vector<std::string> &argv);            // CreateProcess quoting

} // namespace gpaudit::core::events
