// SPDX-License-Identifier: GPL-2.0-or-later
// gpaudit-events: an auditd plugin (auditd's plugin protocol: the records as text lines on standard
// input, format = string). Every event is classified by subcategory (core::events::Classifier, from the
// same rules data as the rules) and the events with a Windows rendering (4688, 4689) are appended to a
// file as JSON lines, as they happen. Installed inactive: /etc/audit/plugins.d/gpaudit-events.conf.
#include "accounts.hxx"
#include "auditlog/reader.hxx"
#include "core/base/safe_text.hxx"
#include "core/events/classify.hxx"
#include "core/events/windows.hxx"
#include "event_policy.hxx"
#include "host/data/rules_data.hxx"
#include "user_names.hxx"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <pwd.h>
#include <string>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

using namespace gpaudit;
namespace ev = gpaudit::core::events;

} // namespace

int main(int argc, char **argv)
{
    std::string output = "/var/log/gpaudit-events.json";
    std::optional<bool> commandLine; // forced; nullopt: the policy in force decides (event_policy.hxx)
    std::string stateDir = "/var/lib/gpauditd";
    core::IdmapSource idmap = core::IdmapSource::Auto; // uid/gid -> SID (accounts.hxx)
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--output" && i + 1 < argc)
            output = argv[++i];
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
            std::cerr << "gpaudit-events: usage: gpaudit-events [--output FILE] [--command-line|--no-command-line] "
                         "[--state-dir DIR] [--idmap auto|sssd|winbind|none] (records on stdin)\n";
            return 2;
        }
    }
    std::signal(SIGHUP, SIG_IGN); // auditd sends SIGHUP on reconfiguration; the output stays the same file
    auto data = host::loadRulesData();
    if (!data) {
        std::cerr << "gpaudit-events: rules data: " << core::displayText(data.error().str()) << "\n";
        return 1;
    }
    std::FILE *out = output == "-" ? stdout : std::fopen(output.c_str(), "ae");
    if (out == nullptr) {
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
    std::string line;
    auto feeder = auditlog::Feeder::create([&](const ev::AuditEvent &event) {
        context.computer = event.node.empty() ? host : event.node;
        for (auto index : classifier.classify(event)) {
            if (auto rendered = ev::renderFor(data->catalog.subcategories()[index].slug, event, context)) {
                line = ev::toJson(*rendered);
                line += '\n';
                std::fwrite(line.data(), 1, line.size(), out);
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
        std::fflush(out); // as they happen: a reader of the file sees each batch at once
    }
    (*feeder)->finish();
    std::fflush(out);
    return 0;
}
