// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditctl search: reads audit logs with libauparse, classifies every event by the subcategories it
// serves (core::events::Classifier, from rules/ like the rules themselves) and prints the matching
// ones as Windows Security events (JSON lines or event XML) or as one text line each.
#include "search.hxx"
#include "accounts.hxx"
#include "event_policy.hxx"

#include "samba_search.hxx"
#include "user_names.hxx"

#include "auditlog/reader.hxx"
#include "core/base/safe_text.hxx"
#include "core/base/text.hxx"
#include "core/events/classify.hxx"
#include "core/events/windows.hxx"
#include "host/data/rules_data.hxx"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
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

constexpr const char *kSearchUsage = R"(Usage: gpauditctl search [OPTIONS]

Print the audit events that serve a subcategory, as Windows Security events.

  --subcategory SLUG   only events of this subcategory (repeatable; slugs as in
                       `gpauditctl mapping`, e.g. process-creation); default: every
                       subcategory that has a Windows rendering (text: every one)
  --success, --failure only successful / failed events
  --start TIME, --end TIME
                       time range, ausearch's forms: now, recent (10 minutes ago), today,
                       yesterday, this-week, week-ago, this-month, this-year, a date
                       MM/DD/YYYY or YYYY-MM-DD optionally followed by HH:MM[:SS] (local
                       time), or @SECONDS since the epoch
  --format json|xml|text
                       json (default): one Windows event per line, EventData with the
                       Windows field names; xml: Windows event XML, one <Event> per line;
                       text: one line per audit event with its subcategories
  --command-line, --no-command-line
                       CommandLine in 4688 or not, whatever the policy says. Default: as
                       the policy in force says ("Include command line in process creation
                       events", Registry.pol): the last applied sync in --state-dir, or
                       the GPOs given with --gpo; not configured = left out, as on Windows
  --gpo DIR            a GPO folder or backup whose policy decides CommandLine (repeatable,
                       lowest precedence first, as for gpauditctl show)
  --state-dir DIR      gpauditd's state directory (default /var/lib/gpauditd)
  --idmap auto|sssd|winbind|none
                       where uids and gids become SIDs (default auto, as gpauditd.conf's
                       idmap); local accounts: S-1-22-1-UID / S-1-22-2-GID (Samba's)
  --input FILE         the audit log (repeatable; default /var/log/audit/audit.log)
  --samba-log FILE     instead: a Samba AD DC's JSON audit records (its log file, or
                       syslog/journal lines; "-" = standard input; repeatable), as the
                       events of a Windows DC (gpauditctl(8), SAMBA AD DC)
  --computer NAME      <Computer> (default: the event's node, else this host's name)
  --rules-dir DIR      rules data instead of the built-in copy
  --uid-min N          ${UID_MIN} of the rules (default 1000)

Exit: 0 events printed, 1 none matched (as ausearch) or an error, 2 usage.
)";

struct SearchOptions {
    std::vector<std::string> subcategories;
    std::optional<bool> success;
    std::optional<std::int64_t> start, end;
    std::string format = "json";
    std::optional<bool> commandLine; // forced on or off; nullopt: the policy decides
    std::vector<std::string> gpos;
    std::string stateDir = "/var/lib/gpauditd";
    core::IdmapSource idmap = core::IdmapSource::Auto;
    std::vector<std::string> inputs;
    std::string computer;
    std::string rulesDir;
    std::uint32_t uidMin = 1000;
    std::vector<std::string> sambaLogs; // issue 16
};

bool parseUnsigned(std::string_view text, std::int64_t &out)
{
    if (text.empty() || text.size() > 12)
        return false;
    std::int64_t wide = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        wide = wide * 10 + (c - '0');
    }
    out = wide;
    return true;
}

} // namespace

// ausearch's time keywords and dates (ausearch(8) --start); local time. The time of day, when given,
// is the next argument.
std::optional<std::int64_t> parseSearchTime(const std::string &word, const std::string *timeOfDay, bool &usedNext)
{
    usedNext = false;
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&now, &tm);
    auto midnight = [&](std::tm t) {
        t.tm_hour = t.tm_min = t.tm_sec = 0;
        t.tm_isdst = -1;
        return static_cast<std::int64_t>(std::mktime(&t));
    };
    if (word == "now")
        return now;
    if (word == "recent")
        return now - 600;
    if (word == "today")
        return midnight(tm);
    if (word == "yesterday") {
        tm.tm_mday -= 1;
        return midnight(tm);
    }
    if (word == "this-week") {
        tm.tm_mday -= tm.tm_wday;
        return midnight(tm);
    }
    if (word == "week-ago") {
        tm.tm_mday -= 7;
        return midnight(tm);
    }
    if (word == "this-month") {
        tm.tm_mday = 1;
        return midnight(tm);
    }
    if (word == "this-year") {
        tm.tm_mday = 1;
        tm.tm_mon = 0;
        return midnight(tm);
    }
    if (!word.empty() && word[0] == '@') {
        std::int64_t seconds = 0;
        if (parseUnsigned(std::string_view(word).substr(1), seconds))
            return seconds;
        return std::nullopt;
    }
    int year = 0, month = 0, day = 0;
    char tail = 0;
    if (std::sscanf(word.c_str(), "%d/%d/%d%c", &month, &day, &year, &tail) != 3 &&
        std::sscanf(word.c_str(), "%d-%d-%d%c", &year, &month, &day, &tail) != 3)
        return std::nullopt;
    if (year < 100)
        year += 2000; // MM/DD/YY
    std::tm date{};
    date.tm_year = year - 1900;
    date.tm_mon = month - 1;
    date.tm_mday = day;
    date.tm_isdst = -1;
    if (timeOfDay != nullptr) {
        int h = 0, m = 0, s = 0;
        char extra = 0;
        const int n = std::sscanf(timeOfDay->c_str(), "%d:%d:%d%c", &h, &m, &s, &extra);
        if (n == 2 || n == 3) {
            date.tm_hour = h;
            date.tm_min = m;
            date.tm_sec = n == 3 ? s : 0;
            usedNext = true;
        }
    }
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return std::nullopt;
    return static_cast<std::int64_t>(std::mktime(&date));
}

namespace {

int usage(const std::string &message)
{
    std::cerr << "gpauditctl search: " << core::displayText(message) << "\n(see gpauditctl search --help)\n";
    return 2;
}

std::string hostName()
{
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0)
        return "localhost";
    return buffer;
}

} // namespace

int runSearch(int argc, char **argv)
{
    SearchOptions options;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto &arg = args[i];
        auto value = [&](std::string &out) {
            if (i + 1 >= args.size())
                return false;
            out = args[++i];
            return true;
        };
        std::string text;
        if (arg == "--help" || arg == "-h") {
            std::cout << kSearchUsage;
            return 0;
        } else if (arg == "--subcategory") {
            if (!value(text))
                return usage("--subcategory needs a subcategory (e.g. process-creation)");
            options.subcategories.push_back(text);
        } else if (arg == "--success" || arg == "--failure") {
            const bool wanted = arg == "--success";
            if (options.success && *options.success != wanted)
                return usage("--success and --failure exclude each other");
            options.success = wanted;
        } else if (arg == "--start" || arg == "--end") {
            if (!value(text))
                return usage(arg + " needs a time");
            bool usedNext = false;
            const std::string *next = i + 1 < args.size() ? &args[i + 1] : nullptr;
            auto when = parseSearchTime(text, next, usedNext);
            if (!when)
                return usage(arg + ": cannot read the time \"" + text + "\"");
            if (usedNext)
                ++i;
            (arg == "--start" ? options.start : options.end) = *when;
        } else if (arg == "--format") {
            if (!value(options.format) ||
                (options.format != "json" && options.format != "xml" && options.format != "text"))
                return usage("--format is json, xml or text");
        } else if (arg == "--command-line" || arg == "--no-command-line") {
            options.commandLine = arg == "--command-line";
        } else if (arg == "--gpo") {
            if (!value(text))
                return usage("--gpo needs a GPO folder");
            options.gpos.push_back(text);
        } else if (arg == "--idmap") {
            if (!value(text))
                return usage("--idmap needs auto, sssd, winbind or none");
            if (text == "auto")
                options.idmap = core::IdmapSource::Auto;
            else if (text == "sssd")
                options.idmap = core::IdmapSource::Sssd;
            else if (text == "winbind")
                options.idmap = core::IdmapSource::Winbind;
            else if (text == "none")
                options.idmap = core::IdmapSource::None;
            else
                return usage("--idmap needs auto, sssd, winbind or none");
        } else if (arg == "--state-dir") {
            if (!value(options.stateDir))
                return usage("--state-dir needs a directory");
        } else if (arg == "--input" || arg == "-if") {
            if (!value(text))
                return usage("--input needs a file");
            options.inputs.push_back(text);
        } else if (arg == "--samba-log") {
            if (!value(text))
                return usage("--samba-log needs a file");
            options.sambaLogs.push_back(text);
        } else if (arg == "--computer") {
            if (!value(options.computer))
                return usage("--computer needs a name");
        } else if (arg == "--rules-dir") {
            if (!value(options.rulesDir))
                return usage("--rules-dir needs a directory");
        } else if (arg == "--uid-min") {
            if (!value(text) || !core::parseDecimal(text, options.uidMin))
                return usage("--uid-min needs a number");
        } else {
            return usage("unknown argument \"" + arg + "\"");
        }
    }
    if (!options.sambaLogs.empty()) {
        // Issue 16: Samba's JSON audit records, not the kernel's (daemon/samba_search.cxx).
        if (!options.inputs.empty())
            return usage("--samba-log and --input exclude each other");
        gpaudit::daemon::SambaSearch samba{options.sambaLogs, options.subcategories, options.success, options.start,
                                           options.end,       options.format,        options.computer};
        return gpaudit::daemon::runSambaSearch(samba);
    }
    if (options.inputs.empty())
        options.inputs.push_back("/var/log/audit/audit.log");

    auto data = host::loadRulesData(options.rulesDir);
    if (!data) {
        std::cerr << "gpauditctl: rules data: " << data.error().str() << "\n";
        return 1;
    }
    std::vector<std::size_t> wanted;
    for (const auto &slug : options.subcategories) {
        const auto *sub = data->catalog.bySlug(slug);
        if (sub == nullptr)
            return usage("unknown subcategory \"" + slug + "\" (see gpauditctl mapping)");
        if (options.format != "text" && !ev::hasRenderer(slug))
            return usage("no Windows event rendering for " + slug + " yet: use --format text");
        wanted.push_back(data->catalog.indexOf(*sub));
    }

    const ev::Classifier classifier(data->catalog, data->mapping, {options.uidMin});
    const std::string host = hostName();
    // Local accounts' domain: the computer's name as Windows shows it for local accounts (the first
    // label, upper case, like a NetBIOS name).
    std::string localDomain = options.computer.empty() ? host : options.computer;
    localDomain = localDomain.substr(0, localDomain.find('.'));
    std::transform(localDomain.begin(), localDomain.end(), localDomain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const daemon::DirectoryAccounts accounts(localDomain, options.idmap);
    // The image of each process seen in the stream (ParentProcessName); bounded.
    std::unordered_map<std::uint32_t, std::string> images;
    constexpr std::size_t kMaxImages = 65536;
    ev::RenderContext context;
    context.accounts = &accounts;
    if (options.commandLine) {
        context.includeCommandLine = *options.commandLine;
    } else if (!options.gpos.empty()) {
        auto policy = daemon::commandLinePolicyFromGpos(*data, options.gpos);
        if (!policy) {
            std::cerr << "gpauditctl search: " << core::displayText(policy.error().str()) << "\n";
            return 1;
        }
        context.includeCommandLine = policy->include;
    } else {
        context.includeCommandLine = daemon::commandLinePolicyFromState(*data, options.stateDir).include;
    }
    context.processName = [&](std::uint32_t pid) -> std::optional<std::string> {
        if (auto it = images.find(pid); it != images.end())
            return it->second;
        return std::nullopt;
    };

    std::size_t printed = 0;
    bool outputFailed = false;
    auto sink = [&](const ev::AuditEvent &event) {
        auto remember = [&] {
            if (event.syscall.empty() || event.exe.empty() || event.pid == 0)
                return;
            if (event.syscall == "exit_group") {
                images.erase(event.pid);
                return;
            }
            if (images.size() >= kMaxImages)
                images.clear();
            images[event.pid] = event.exe;
        };
        const bool inRange =
            (!options.start || event.seconds >= *options.start) && (!options.end || event.seconds <= *options.end);
        const bool resultOk = !options.success || (event.success.value_or(true) == *options.success);
        if (!inRange || !resultOk) {
            remember();
            return;
        }
        auto served = classifier.classify(event);
        if (!wanted.empty())
            std::erase_if(served,
                          [&](auto index) { return std::find(wanted.begin(), wanted.end(), index) == wanted.end(); });
        context.computer = !options.computer.empty() ? options.computer : !event.node.empty() ? event.node : host;
        if (options.format == "text") {
            if (!served.empty()) {
                char ms[16];
                (void)std::snprintf(ms, sizeof ms, ".%03u:", event.milliseconds % 1000);
                std::string line = ev::systemTime(event.seconds, event.milliseconds) + " audit(" +
                                   std::to_string(event.seconds) + ms + std::to_string(event.serial) + ") " +
                                   (event.syscall.empty() ? event.recordType : event.syscall) + " " +
                                   (event.success ? (*event.success ? "success" : "failure") : "-") + " ";
                for (std::size_t k = 0; k < served.size(); ++k)
                    line += (k == 0 ? "" : ",") + data->catalog.subcategories()[served[k]].slug;
                if (!event.exe.empty())
                    line += " exe=" + event.exe;
                std::cout << core::displayText(line) << '\n';
                ++printed;
            }
        } else {
            for (auto index : served) {
                const auto &slug = data->catalog.subcategories()[index].slug;
                if (auto rendered = ev::renderFor(slug, event, context)) {
                    std::cout << (options.format == "json" ? ev::toJson(*rendered) : ev::toXml(*rendered)) << '\n';
                    ++printed;
                }
            }
        }
        if (!std::cout)
            outputFailed = true;
        remember();
    };
    for (const auto &input : options.inputs) {
        auto read = auditlog::readLog(input, sink);
        if (!read) {
            std::cerr << "gpauditctl search: " << core::displayText(read.error().str()) << "\n";
            return 1;
        }
    }
    std::cout.flush();
    if (outputFailed || !std::cout)
        return 1;
    if (printed == 0) {
        std::cerr << "<no matches>\n";
        return 1;
    }
    return 0;
}
