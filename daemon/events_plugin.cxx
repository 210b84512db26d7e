// SPDX-License-Identifier: GPL-2.0-or-later
// gpaudit-events: an auditd plugin (auditd's plugin protocol: the records as text lines on standard
// input, format = string). Every event is classified by subcategory (core::events::Classifier, from the
// same rules data as the rules) and the events with a Windows rendering (4688, 4689) are appended to a
// file as JSON lines, as they happen. Installed inactive: /etc/audit/plugins.d/gpaudit-events.conf.
#include "accounts.hxx"
#include "auditlog/reader.hxx"
#include "core/base/safe_text.hxx"
#include "core/events/classify.hxx"
#include "core/events/json_lines.hxx"
#include "core/events/windows.hxx"
#include "event_policy.hxx"
#include "host/data/rules_data.hxx"
#include "user_names.hxx"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <optional>
#include <pwd.h>
#include <string>
#include <unistd.h>
#include <unordered_map>
#include <vector>
#ifdef GPAUDIT_HAVE_JOURNAL
#include <sys/uio.h>
#define SD_JOURNAL_SUPPRESS_LOCATION // no CODE_FILE/CODE_LINE in the events
#include <systemd/sd-journal.h>
#endif

namespace {

using namespace gpaudit;
namespace ev = gpaudit::core::events;

// Writes the whole buffer (one write per input chunk, not per event) and empties it. A failed write
// (disk full) drops that chunk's events and says so once; the plugin goes on (auditd's queue must not
// back up behind it).
bool writeAll(int fd, std::string &buffer)
{
    std::size_t done = 0;
    while (done < buffer.size()) {
        const ssize_t n = ::write(fd, buffer.data() + done, buffer.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            static bool told = false;
            if (!told)
                std::cerr << "gpaudit-events: cannot write the events (dropped): " << std::strerror(errno) << "\n";
            told = true;
            buffer.clear();
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    buffer.clear();
    return true;
}

#ifdef GPAUDIT_HAVE_JOURNAL
// One journal entry per Windows event: MESSAGE is its JSON line; GPAUDIT_EVENT_ID and
// GPAUDIT_SUBCATEGORY select them (journalctl MESSAGE_ID=... GPAUDIT_EVENT_ID=4688 -o cat gives the
// JSON lines); a failure event (Audit Failure) at notice priority, the others at info.
constexpr const char *kEventMessageId = "MESSAGE_ID=9da1b1e8001544bbb44edce74e8a5427";

void sendToJournal(const ev::WindowsEvent &event, std::string &line)
{
    if (!line.empty() && line.back() == '\n')
        line.pop_back();
    const std::string message = "MESSAGE=" + line;
    const std::string id = "GPAUDIT_EVENT_ID=" + std::to_string(event.eventId);
    const std::string subcategory = "GPAUDIT_SUBCATEGORY=" + event.subcategory;
    const std::string audit = "GPAUDIT_AUDIT_EVENT=" + event.auditId;
    const char *priority = event.success ? "PRIORITY=6" : "PRIORITY=5";
    const struct iovec fields[] = {
        {const_cast<char *>(message.data()), message.size()},
        {const_cast<char *>(kEventMessageId), std::strlen(kEventMessageId)},
        {const_cast<char *>(id.data()), id.size()},
        {const_cast<char *>(subcategory.data()), subcategory.size()},
        {const_cast<char *>(audit.data()), audit.size()},
        {const_cast<char *>(priority), std::strlen(priority)},
        {const_cast<char *>("SYSLOG_IDENTIFIER=gpaudit-events"), std::strlen("SYSLOG_IDENTIFIER=gpaudit-events")},
    };
    if (const int error = sd_journal_sendv(fields, sizeof fields / sizeof fields[0]); error < 0) {
        static bool told = false;
        if (!told)
            std::cerr << "gpaudit-events: cannot write to the journal (dropped): " << std::strerror(-error) << "\n";
        told = true;
    }
    line.clear();
}
#endif

} // namespace

int main(int argc, char **argv)
{
    std::string output = "/var/log/gpaudit-events.json";
    std::optional<bool> commandLine; // forced; nullopt: the policy in force decides (event_policy.hxx)
    std::string stateDir = "/var/lib/gpauditd";
    core::IdmapSource idmap = core::IdmapSource::Auto; // uid/gid -> SID (accounts.hxx)
    bool journal = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--output" && i + 1 < argc)
            output = argv[++i];
        else if (arg == "--journal")
            journal = true;
        else if (arg == "--command-line" || arg == "--no-command-line")
            commandLine = arg == "--command-line";
        else if (arg == "--state-dir" && i + 1 < argc)
            stateDir = argv[++i];
        else if (arg == "--idmap" && i + 1 < argc) {
            const std::string_view source = argv[++i];
            idmap = source == "sssd"      ? core::IdmapSource::Sssd
                    : source == "winbind" ? core::IdmapSource::Winbind
                    : source == "none"    ? core::IdmapSource::None
                                          : core::IdmapSource::Auto;
        } else {
            std::cerr << "gpaudit-events: usage: gpaudit-events [--output FILE | --journal] "
                         "[--command-line|--no-command-line] [--state-dir DIR] [--idmap auto|sssd|winbind|none] "
                         "(records on stdin)\n";
            return 2;
        }
    }
#ifndef GPAUDIT_HAVE_JOURNAL
    if (journal) {
        std::cerr << "gpaudit-events: --journal: built without libsystemd\n";
        return 2;
    }
#endif
    (void)std::signal(SIGHUP, SIG_IGN); // auditd sends SIGHUP on reconfiguration; the output stays the same file
    auto data = host::loadRulesData();
    if (!data) {
        std::cerr << "gpaudit-events: rules data: " << core::displayText(data.error().str()) << "\n";
        return 1;
    }
    const int out = journal         ? -1
                    : output == "-" ? STDOUT_FILENO
                                    : ::open(output.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (out < 0 && !journal) {
        std::cerr << "gpaudit-events: cannot open " << core::displayText(output) << ": " << std::strerror(errno)
                  << "\n";
        return 1;
    }
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0)
        std::strcpy(host, "localhost");
    std::string localDomain(host);
    localDomain = localDomain.substr(0, localDomain.find('.'));
    std::transform(localDomain.begin(), localDomain.end(), localDomain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const ev::Classifier classifier(data->catalog, data->mapping);
    const daemon::DirectoryAccounts accounts(localDomain, idmap);
    std::unordered_map<std::uint32_t, std::string> images; // ParentProcessName; bounded
    constexpr std::size_t kMaxImages = 65536;
    ev::RenderContext context;
    context.accounts = &accounts;
    // "Include command line in process creation events" of the last applied sync, read at start (auditd
    // restarts its plugins when reconfigured).
    context.includeCommandLine =
        commandLine ? *commandLine : daemon::commandLinePolicyFromState(*data, stateDir).include;
    context.processName = [&](std::uint32_t pid) -> std::optional<std::string> {
        if (auto it = images.find(pid); it != images.end())
            return it->second;
        return std::nullopt;
    };
    ev::JsonLines lines; // the rendered events of one input chunk, written at once
    auto feeder = auditlog::Feeder::create([&](const ev::AuditEvent &event) {
        context.computer = event.node.empty() ? host : event.node;
        for (auto index : classifier.classify(event)) {
            if (auto rendered = ev::renderFor(data->catalog.subcategories()[index].slug, event, context)) {
                lines.append(*rendered);
#ifdef GPAUDIT_HAVE_JOURNAL
                if (journal)
                    sendToJournal(*rendered, lines.buffer());
#endif
            }
        }
        if (!event.syscall.empty() && !event.exe.empty() && event.pid != 0) {
            if (event.syscall == "exit_group")
                images.erase(event.pid);
            else {
                if (images.size() >= kMaxImages)
                    images.clear();
                images[event.pid] = event.exe;
            }
        }
    });
    if (!feeder) {
        std::cerr << "gpaudit-events: " << feeder.error().str() << "\n";
        return 1;
    }
    std::vector<char> buffer(1 << 16);
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (auto fed = (*feeder)->feed({buffer.data(), static_cast<std::size_t>(n)}); !fed) {
            std::cerr << "gpaudit-events: " << fed.error().str() << "\n";
            break;
        }
        if (!journal)
            writeAll(out, lines.buffer()); // as they happen: a reader of the file sees each batch at once
    }
    (*feeder)->finish();
    return journal || writeAll(out, lines.buffer()) ? 0 : 1;
}
