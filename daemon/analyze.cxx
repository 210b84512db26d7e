// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditctl analyze: the process-tracking analyses of the Windows Security log (seed 001) over Linux
// audit logs, read with libauparse, streamed with bounded state (core/events/tracking.hxx,
// whitelist.hxx):
//   lifetime    every process image with its start and end (4688 paired with 4689 by pid and start)
//   chain       the creator chain of a process back to its logon session and the login event
//   first-seen  the first run of every executable not on a whitelist of paths and SHA-256
//   baseline    builds that whitelist from a scan of directories and/or the programs run in past logs
#include "analyze.hxx"
#include "search.hxx"
#include "user_names.hxx"

#include "auditlog/executables.hxx"
#include "auditlog/reader.hxx"
#include "core/base/safe_text.hxx"
#include "core/base/text.hxx"
#include "core/events/tracking.hxx"
#include "core/events/whitelist.hxx"
#include "core/events/windows.hxx"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace gpaudit;
namespace ev = gpaudit::core::events;
using nlohmann::json;

constexpr const char *kAnalyzeUsage = R"(Usage: gpauditctl analyze lifetime|chain|first-seen|baseline [OPTIONS]

Process tracking over audit logs (the execve and exit_group records of the Process
Creation and Termination rules), as an analyst does it with 4688 and 4689.

  lifetime     every process image with its start, end and duration: creation paired
               with termination by pid AND start (pids are reused); an exec inside the
               process ends one image ("replaced"), a pid that runs another process
               ends the earlier one ("vanished": its exit was not recorded), no end in
               the range is "running"; printed as they end, the running ones last
  chain        for every matching process creation: the creator chain back to the
               first process of its logon session (auid/ses) and the session's login
               event (USER_LOGIN, else USER_START) when the log has it
  first-seen   the first run of each executable that a whitelist does not know by path
               AND content (SHA-256): new-path (content known elsewhere: same-as),
               replaced (the path is listed with other content), unverifiable (the
               file is gone or changed since the exec); with run counts; a script
               is judged too (PATH item 0), besides its interpreter (exe=)
  baseline     write a whitelist (sha256sum's format: "SHA256  PATH" lines) from
               --scan DIR (executable files, like find -xdev -type f -perm /111) and/or
               the programs run in --input logs (hashed as they are now), plus --whitelist
               files: per host (its own scan), per golden host (a copy of its list), per
               estate (several hosts' lists)

Selection (lifetime, chain; ausearch's names):
  -p, --pid N          the process id
  -x, --exe PATH       the executable (NewProcessName)
  --session N          the audit session id (SubjectLogonId)
  -ul, --loginuid N    the login uid (auid)
Common:
  -if, --input FILE    audit log (repeatable; default /var/log/audit/audit.log)
  -ts, --start TIME, -te, --end TIME
                       time range, as gpauditctl search (ausearch's forms)
  --format json|text   json (default): one object per line; text: one line each
  --command-line       include the arguments (as search's --command-line)
first-seen / baseline:
  --whitelist FILE     a whitelist (repeatable: the union)
  --scan DIR           baseline: hash the executables under DIR (repeatable)
  --output FILE        baseline: write there instead of standard output

Exit: 0 something printed (baseline: written), 1 nothing found or an error, 2 usage.
)";

struct Options {
    std::string command;
    std::optional<std::uint32_t> pid, ses, auid;
    std::string exe;
    std::vector<std::string> inputs, whitelists, scans;
    std::optional<std::int64_t> start, end;
    std::string format = "json";
    bool commandLine = false;
    std::string output;
};

int usage(const std::string &message)
{
    std::cerr << "gpauditctl analyze: " << core::displayText(message) << "\n(see gpauditctl analyze --help)\n";
    return 2;
}

std::string userOf(std::uint32_t uid)
{
    if (uid == ev::kUnsetId)
        return "unset";
    auto name = daemon::userName(uid);
    return name ? *name : std::to_string(uid);
}

std::string timeOf(const ev::AuditStamp &stamp)
{
    return ev::systemTime(stamp.seconds, stamp.milliseconds);
}

json imageJson(const ev::ProcessImage &image, bool commandLine)
{
    json out = json::object();
    out["ProcessId"] = ev::hex(image.pid);
    out["ProcessName"] = image.exe;
    out["CreatorProcessId"] = ev::hex(image.ppid);
    out["SubjectUserName"] = userOf(image.auid != ev::kUnsetId ? image.auid : image.uid);
    out["SubjectLogonId"] = image.ses == ev::kUnsetId ? "unset" : ev::hex(image.ses);
    out["pid"] = image.pid;
    out["ppid"] = image.ppid;
    out["auid"] = image.auid;
    out["ses"] = image.ses;
    out["uid"] = image.uid;
    out["euid"] = image.euid;
    if (commandLine)
        out["CommandLine"] = ev::commandLine(image.argv);
    if (image.started) {
        out["Start"] = timeOf(image.start);
        out["StartEvent"] = ev::auditId(image.start);
    } else {
        out["Start"] = nullptr; // before the range, or a forked process that never ran execve
    }
    out["EndReason"] = std::string(ev::endName(image.end));
    if (image.endStamp) {
        out["End"] = timeOf(*image.endStamp);
        out["EndEvent"] = ev::auditId(*image.endStamp);
    } else {
        out["End"] = nullptr;
    }
    if (image.status)
        out["Status"] = ev::hex(static_cast<std::uint32_t>(*image.status));
    if (!image.nextExe.empty())
        out["NextProcessName"] = image.nextExe;
    if (auto ms = image.durationMs())
        out["DurationMs"] = *ms;
    return out;
}

std::string imageText(const ev::ProcessImage &image)
{
    char duration[32] = "-";
    if (auto ms = image.durationMs())
        (void)std::snprintf(duration, sizeof duration, "%lld.%03llds", static_cast<long long>(*ms / 1000),
                            static_cast<long long>(*ms % 1000));
    std::string line = (image.started ? timeOf(image.start) : std::string("(before)")) + " " +
                       (image.endStamp ? timeOf(*image.endStamp) : std::string("-")) + " " + duration +
                       " pid=" + std::to_string(image.pid) + " ppid=" + std::to_string(image.ppid) +
                       " ses=" + (image.ses == ev::kUnsetId ? std::string("unset") : std::to_string(image.ses)) +
                       " user=" + userOf(image.auid != ev::kUnsetId ? image.auid : image.uid) + " " +
                       std::string(ev::endName(image.end));
    if (image.status)
        line += " status=" + std::to_string(*image.status);
    if (!image.nextExe.empty())
        line += " next=" + image.nextExe;
    line += " exe=" + image.exe;
    return core::displayText(line);
}

bool selected(const Options &options, const ev::ProcessImage &image)
{
    return (!options.pid || image.pid == *options.pid) && (options.exe.empty() || image.exe == options.exe) &&
           (!options.ses || image.ses == *options.ses) && (!options.auid || image.auid == *options.auid);
}

bool inRange(const Options &options, const ev::AuditEvent &event)
{
    return (!options.start || event.seconds >= *options.start) && (!options.end || event.seconds <= *options.end);
}

// Every event of the inputs in the range, in order; false (message printed) on a read error.
template <typename Sink> bool readAll(const Options &options, Sink &&sink)
{
    for (const auto &input : options.inputs) {
        auto read = auditlog::readLog(input, [&](const ev::AuditEvent &event) {
            if (inRange(options, event))
                sink(event);
        });
        if (!read) {
            std::cerr << "gpauditctl analyze: " << core::displayText(read.error().str()) << "\n";
            return false;
        }
    }
    return true;
}

bool emit(const std::string &line)
{
    std::cout << line << '\n';
    return static_cast<bool>(std::cout);
}

int finishOutput(std::size_t printed)
{
    std::cout.flush();
    if (!std::cout)
        return 1;
    if (printed == 0) {
        std::cerr << "<no matches>\n";
        return 1;
    }
    return 0;
}

int runLifetime(const Options &options)
{
    ev::LifetimeTracker tracker;
    std::size_t printed = 0;
    auto print = [&](const std::vector<ev::ProcessImage> &images) {
        for (const auto &image : images) {
            if (!selected(options, image))
                continue;
            emit(options.format == "json"
                     ? imageJson(image, options.commandLine).dump(-1, ' ', false, json::error_handler_t::replace)
                     : imageText(image));
            ++printed;
        }
    };
    if (!readAll(options, [&](const ev::AuditEvent &event) { print(tracker.feed(event)); }))
        return 1;
    print(tracker.finish());
    return finishOutput(printed);
}

json sessionJson(const ev::LogonSession &session)
{
    json out = json::object();
    out["LogonId"] = ev::hex(session.ses);
    out["TargetUserName"] = userOf(session.auid);
    out["auid"] = session.auid;
    out["Time"] = timeOf(session.stamp);
    out["Event"] = ev::auditId(session.stamp);
    out["RecordType"] = session.recordType;
    out["Account"] = session.account;
    out["IpAddress"] = session.address;
    out["WorkstationName"] = session.remoteHost;
    out["Terminal"] = session.terminal;
    out["ProcessName"] = session.program;
    if (session.success)
        out["Success"] = *session.success;
    return out;
}

int runChain(const Options &options)
{
    if (!options.pid && options.exe.empty() && !options.ses && !options.auid)
        return usage("chain needs a selection: --pid, --exe, --session or --loginuid");
    ev::ChainTracker tracker;
    std::size_t printed = 0;
    bool ok = readAll(options, [&](const ev::AuditEvent &event) {
        tracker.feed(event);
        if (!ev::isExec(event))
            return;
        ev::ProcessImage probe;
        probe.pid = event.pid;
        probe.exe = event.exe;
        probe.ses = event.ses;
        probe.auid = event.auid;
        if (!selected(options, probe))
            return;
        const auto chain = tracker.chainOf(event.pid);
        if (options.format == "json") {
            json out = json::object();
            out["Event"] = ev::auditId(ev::stampOf(event));
            json links = json::array();
            for (const auto &link : chain.links) {
                json item = imageJson(link.image, options.commandLine);
                if (!link.earlier.empty())
                    item["EarlierProcessNames"] = link.earlier;
                links.push_back(std::move(item));
            }
            out["Chain"] = std::move(links);
            if (chain.missingCreator)
                out["UnknownCreatorProcessId"] = ev::hex(*chain.missingCreator);
            out["SessionStart"] = chain.sessionStart;
            out["Logon"] = chain.logon ? sessionJson(*chain.logon) : json(nullptr);
            emit(out.dump(-1, ' ', false, json::error_handler_t::replace));
        } else {
            emit("chain of " + core::displayText(event.exe) + " pid=" + std::to_string(event.pid) + " (audit(" +
                 ev::auditId(ev::stampOf(event)) + ")):");
            std::string indent = "  ";
            for (const auto &link : chain.links) {
                std::string line =
                    indent + link.image.exe + " pid=" + std::to_string(link.image.pid) +
                    " ses=" + (link.image.ses == ev::kUnsetId ? std::string("unset") : std::to_string(link.image.ses)) +
                    " user=" + userOf(link.image.auid != ev::kUnsetId ? link.image.auid : link.image.uid) +
                    " started " + timeOf(link.image.start);
                for (const auto &earlier : link.earlier)
                    line += " (exec from " + earlier + ")";
                emit(core::displayText(line));
                indent += "  ";
            }
            if (chain.missingCreator)
                emit(indent + "creator pid=" + std::to_string(*chain.missingCreator) + ": no execve in the range");
            if (chain.logon) {
                const auto &s = *chain.logon;
                emit(core::displayText(indent + "logon session " + std::to_string(s.ses) + ": " + s.recordType + " " +
                                       timeOf(s.stamp) + " user=" + userOf(s.auid) + " acct=" + s.account +
                                       " addr=" + s.address + " terminal=" + s.terminal + " exe=" + s.program));
            } else if (chain.sessionStart) {
                emit(indent + "(the session's first process; no login event in the range)");
            }
        }
        ++printed;
    });
    if (!ok)
        return 1;
    return finishOutput(printed);
}

bool loadWhitelists(const Options &options, ev::Whitelist &whitelist)
{
    for (const auto &file : options.whitelists) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::cerr << "gpauditctl analyze: cannot read the whitelist " << core::displayText(file) << "\n";
            return false;
        }
        // Bounded: 4 M entries of at most 8 KiB lines are checked while parsing; the file itself at 1 GiB.
        std::ostringstream text;
        text << in.rdbuf();
        if (text.str().size() > (1U << 30)) {
            std::cerr << "gpauditctl analyze: " << core::displayText(file) << ": larger than 1 GiB\n";
            return false;
        }
        auto loaded = whitelist.load(text.str(), file);
        if (!loaded) {
            std::cerr << "gpauditctl analyze: " << core::displayText(loaded.error().str()) << "\n";
            return false;
        }
    }
    return true;
}

json firstSeenJson(const ev::FirstSeen &seen, bool commandLine)
{
    json out = json::object();
    out["Verdict"] = std::string(ev::verdictName(seen.verdict));
    out["NewProcessName"] = seen.path;
    out["Sha256"] = seen.sha256 ? json(*seen.sha256) : json(nullptr);
    if (!seen.why.empty())
        out["Why"] = seen.why;
    if (!seen.copiedFrom.empty())
        out["SameContentAs"] = seen.copiedFrom;
    if (!seen.listed.empty())
        out["ListedSha256"] = seen.listed;
    out["Runs"] = seen.runs;
    json first = imageJson(seen.first, commandLine);
    for (const char *drop : {"EndReason", "End"})
        first.erase(drop);
    out["FirstRun"] = std::move(first);
    return out;
}

std::string firstSeenText(const ev::FirstSeen &seen)
{
    std::string line = std::string(ev::verdictName(seen.verdict)) + " " + seen.path +
                       " sha256=" + seen.sha256.value_or("?") + " first=" + timeOf(seen.first.start) +
                       " pid=" + std::to_string(seen.first.pid) + " ppid=" + std::to_string(seen.first.ppid) +
                       " user=" + userOf(seen.first.auid != ev::kUnsetId ? seen.first.auid : seen.first.uid) +
                       " runs=" + std::to_string(seen.runs);
    if (!seen.copiedFrom.empty())
        line += " same-as=" + seen.copiedFrom;
    if (!seen.why.empty())
        line += " (" + seen.why + ")";
    return core::displayText(line);
}

int runFirstSeen(const Options &options)
{
    if (options.whitelists.empty())
        return usage("first-seen needs --whitelist FILE (gpauditctl analyze baseline writes one)");
    ev::Whitelist whitelist;
    if (!loadWhitelists(options, whitelist))
        return 1;
    ev::FirstSeenTracker tracker(whitelist);
    auditlog::ContentOfExec contentOf;
    bool ok = readAll(options, [&](const ev::AuditEvent &event) {
        if (!ev::isExec(event) || event.exe.empty())
            return;
        tracker.feed(event, contentOf(event));
        if (auto script = contentOf.script(event))
            tracker.feed(event, script->first, script->second);
    });
    if (!ok)
        return 1;
    std::size_t printed = 0;
    for (const auto &seen : tracker.flagged()) {
        emit(options.format == "json"
                 ? firstSeenJson(seen, options.commandLine).dump(-1, ' ', false, json::error_handler_t::replace)
                 : firstSeenText(seen));
        ++printed;
    }
    std::cerr << "first-seen: " << whitelist.size() << " whitelisted, " << tracker.knownRuns() << " runs known, "
              << printed << " flagged" << (tracker.saturated() ? " (limit reached: later ones may repeat)" : "")
              << "\n";
    return finishOutput(printed);
}

int runBaseline(const Options &options, bool inputsGiven)
{
    if (options.scans.empty() && !inputsGiven && options.whitelists.empty())
        return usage("baseline needs --scan DIR, --input LOG or --whitelist FILE");
    ev::Whitelist whitelist;
    if (!loadWhitelists(options, whitelist))
        return 1;
    for (const auto &dir : options.scans) {
        auto scanned = auditlog::scanExecutables(dir, whitelist);
        if (!scanned) {
            std::cerr << "gpauditctl analyze: " << core::displayText(scanned.error().str()) << "\n";
            return 1;
        }
        std::cerr << "baseline: " << core::displayText(dir) << ": " << scanned->files << " executables";
        if (scanned->skipped != 0)
            std::cerr << ", " << scanned->skipped << " unreadable (first: " << core::displayText(scanned->problems[0])
                      << ")";
        std::cerr << "\n";
    }
    if (inputsGiven) {
        std::set<std::string> programs; // bounded like the whitelist
        bool ok = readAll(options, [&](const ev::AuditEvent &event) {
            if (ev::isExec(event) && !event.exe.empty() && programs.size() < 4'000'000)
                programs.insert(event.exe);
        });
        if (!ok)
            return 1;
        std::size_t hashed = 0, gone = 0;
        for (const auto &program : programs) {
            auto hash = auditlog::sha256File(program);
            if (!hash) {
                ++gone;
                continue;
            }
            whitelist.add(program, *hash);
            ++hashed;
        }
        std::cerr << "baseline: " << programs.size() << " programs run in the logs, " << hashed << " hashed, " << gone
                  << " gone or unreadable\n";
    }
    const std::string text = "# gpaudit whitelist (sha256sum format): gpauditctl analyze baseline\n" + whitelist.text();
    if (options.output.empty()) {
        std::cout << text;
        std::cout.flush();
        return std::cout ? 0 : 1;
    }
    std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
        std::cerr << "gpauditctl analyze: cannot write " << core::displayText(options.output) << "\n";
        return 1;
    }
    return 0;
}

} // namespace

int runAnalyze(int argc, char **argv)
{
    Options options;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty())
        return usage("which analysis: lifetime, chain, first-seen or baseline");
    if (args[0] == "--help" || args[0] == "-h") {
        std::cout << kAnalyzeUsage;
        return 0;
    }
    options.command = args[0];
    if (options.command != "lifetime" && options.command != "chain" && options.command != "first-seen" &&
        options.command != "baseline")
        return usage("unknown analysis \"" + options.command + "\" (lifetime, chain, first-seen, baseline)");
    for (std::size_t i = 1; i < args.size(); ++i) {
        const auto &arg = args[i];
        std::string text;
        auto value = [&](std::string &out) {
            if (i + 1 >= args.size())
                return false;
            out = args[++i];
            return true;
        };
        auto id = [&](std::optional<std::uint32_t> &out) {
            std::uint32_t number = 0;
            if (!value(text) || !core::parseDecimal(text, number))
                return false;
            out = number;
            return true;
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << kAnalyzeUsage;
            return 0;
        } else if (arg == "-p" || arg == "--pid") {
            if (!id(options.pid))
                return usage(arg + " needs a process id");
        } else if (arg == "--session") {
            if (!id(options.ses))
                return usage(arg + " needs a session id");
        } else if (arg == "-ul" || arg == "--loginuid") {
            if (!id(options.auid))
                return usage(arg + " needs a uid");
        } else if (arg == "-x" || arg == "--exe") {
            if (!value(options.exe))
                return usage(arg + " needs a path");
        } else if (arg == "-if" || arg == "--input") {
            if (!value(text))
                return usage(arg + " needs a file");
            options.inputs.push_back(text);
        } else if (arg == "--whitelist") {
            if (!value(text))
                return usage(arg + " needs a file");
            options.whitelists.push_back(text);
        } else if (arg == "--scan") {
            if (!value(text))
                return usage(arg + " needs a directory");
            options.scans.push_back(text);
        } else if (arg == "--output") {
            if (!value(options.output))
                return usage(arg + " needs a file");
        } else if (arg == "-ts" || arg == "--start" || arg == "-te" || arg == "--end") {
            if (!value(text))
                return usage(arg + " needs a time");
            bool usedNext = false;
            const std::string *next = i + 1 < args.size() ? &args[i + 1] : nullptr;
            auto when = parseSearchTime(text, next, usedNext);
            if (!when)
                return usage(arg + ": cannot read the time \"" + text + "\"");
            if (usedNext)
                ++i;
            (arg == "-ts" || arg == "--start" ? options.start : options.end) = *when;
        } else if (arg == "--format") {
            if (!value(options.format) || (options.format != "json" && options.format != "text"))
                return usage("--format is json or text");
        } else if (arg == "--command-line") {
            options.commandLine = true;
        } else {
            return usage("unknown argument \"" + arg + "\"");
        }
    }
    const bool inputsGiven = !options.inputs.empty();
    if (options.inputs.empty())
        options.inputs.push_back("/var/log/audit/audit.log");
    if (options.command == "lifetime")
        return runLifetime(options);
    if (options.command == "chain")
        return runChain(options);
    if (options.command == "first-seen")
        return runFirstSeen(options);
    return runBaseline(options, inputsGiven);
}
