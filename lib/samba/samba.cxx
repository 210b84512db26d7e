// SPDX-License-Identifier: GPL-2.0-or-later
#include "samba/samba.hxx"

#include "core/base/safe_text.hxx"
#include "host/files/files.hxx"
#include "host/files/unique_fd.hxx"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace gpaudit::samba {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxSmbConf = 1U << 20;
constexpr std::size_t kMaxOutput = 1U << 20;

Unexpected failure(std::string message)
{
    return gpaudit::fail(std::move(message));
}

std::string smbcontrolPath(const Options &options)
{
    if (!options.smbcontrol.empty())
        return options.smbcontrol;
    for (const char *candidate : {"/usr/bin/smbcontrol", "/usr/sbin/smbcontrol", "/usr/local/bin/smbcontrol"})
        if (::access(candidate, X_OK) == 0)
            return candidate;
    return "/usr/bin/smbcontrol";
}

// The include line appended to smb.conf: a [global] section of its own at the end, so it is global
// whatever section the file ended in, and read after the administrator's own `log level`.
std::string hookText(const std::string &includeFile)
{
    return "\n# Added once by gpaudit (gpauditd.conf samba_add_include): the audit logging the domain's\n"
           "# Group Policy asks for. Remove these lines and set samba_add_include: false to stop it.\n"
           "[global]\n\tinclude = " +
           includeFile + "\n";
}

} // namespace

Result<std::string> run(const std::vector<std::string> &argv, std::chrono::seconds timeout)
{
    if (argv.empty() || argv[0].empty() || argv[0][0] != '/')
        return failure("run: the program must be an absolute path");
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0)
        return failure(std::string("pipe: ") + std::strerror(errno));
    host::UniqueFd readEnd(pipeFds[0]);
    host::UniqueFd writeEnd(pipeFds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, writeEnd.get(), 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char *> args;
    args.reserve(argv.size() + 1);
    for (const auto &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    writeEnd.reset(); // the child's now: the read end sees its end
    if (rc != 0)
        return failure(argv[0] + ": " + std::strerror(rc));
    std::string out;
    const auto deadline = Clock::now() + timeout;
    bool timedOut = false;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            timedOut = true;
            break;
        }
        pollfd p{readEnd.get(), POLLIN, 0};
        const int n = ::poll(&p, 1, static_cast<int>(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            timedOut = n == 0;
            break;
        }
        char buffer[8192];
        const auto got = ::read(readEnd.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (out.size() + static_cast<std::size_t>(got) > kMaxOutput) {
            timedOut = false;
            ::kill(pid, SIGKILL);
            readEnd.reset();
            ::waitpid(pid, nullptr, 0);
            return failure(argv[0] + ": more than 1 MiB of output");
        }
        out.append(buffer, static_cast<std::size_t>(got));
    }
    readEnd.reset();
    if (timedOut)
        ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timedOut)
        return failure(argv[0] + ": no answer within " + std::to_string(timeout.count()) + " s");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return failure(argv[0] + " " + (argv.size() > 2 ? argv[argv.size() - 2] + " " + argv.back() : std::string()) +
                       ": exit status " +
                       std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
    return out;
}

Result<Report> apply(const core::Catalog &catalog, const core::Mapping &mapping, const core::Resultant &resultant,
                     const Options &options)
{
    const auto started = Clock::now();
    Report report;
    report.wouldOnly = options.dryRun || options.reportOnly;
    struct stat st {};
    if (::stat(options.smbConf.c_str(), &st) != 0) {
        report.skipped = "no " + core::displayText(options.smbConf) + ": not a Samba AD DC";
        return report;
    }
    auto text = host::readFileBounded(options.smbConf, kMaxSmbConf);
    if (!text)
        return tl::unexpected(text.error());
    auto conf = core::samba::parseSmbConf(*text, options.smbConf);
    if (!conf)
        return tl::unexpected(conf.error());
    if (!conf->adDc) {
        report.skipped = "not a Samba AD DC (" + core::displayText(options.smbConf) + ": server role = " +
                         (conf->serverRole.empty() ? "(default)" : core::displayText(conf->serverRole)) + ")";
        return report;
    }
    report.dc = true;
    core::samba::DebugLevels admin;
    if (conf->logLevel) {
        auto parsed = core::samba::parseDebugLevels(*conf->logLevel, options.smbConf);
        if (!parsed) {
            auto error = parsed.error();
            error.where.line = static_cast<std::uint32_t>(conf->logLevelLine);
            return tl::unexpected(error);
        }
        admin = *parsed;
    }
    report.plan = core::samba::translate(catalog, mapping, resultant);
    const auto merged = core::samba::merge(admin, report.plan);
    report.levels = merged.str();

    // 1. The include file: what Samba reads at its next start (kept across restarts).
    const auto include = core::samba::renderInclude(catalog, merged, report.plan, options.header);
    auto current = host::readFileBounded(options.includeFile, kMaxSmbConf);
    report.includeChanged = !current || *current != include;
    if (report.includeChanged && !report.wouldOnly)
        if (auto ok = host::writeFileAtomic(options.includeFile, include, 0644); !ok)
            return tl::unexpected(ok.error());

    // 2. smb.conf must include it: already, or one appended line with the administrator's consent.
    report.hooked =
        std::find(conf->includes.begin(), conf->includes.end(), options.includeFile) != conf->includes.end();
    if (!report.hooked && options.addInclude) {
        report.hookAdded = true;
        if (!report.wouldOnly) {
            auto appended = *text + (text->empty() || text->back() == '\n' ? "" : "\n") + hookText(options.includeFile);
            if (auto ok = host::writeFileAtomic(options.smbConf, appended, st.st_mode & 07777); !ok)
                return tl::unexpected(ok.error());
            if (::chown(options.smbConf.c_str(), st.st_uid, st.st_gid) != 0)
                report.notes.push_back("could not keep the owner of " + core::displayText(options.smbConf) + ": " +
                                       std::strerror(errno));
        }
        report.hooked = true;
    }
    if (!report.hooked)
        report.notes.push_back(
            core::displayText(options.smbConf) + " does not include " + core::displayText(options.includeFile) +
            ": the levels hold until Samba restarts; add `include = " + core::displayText(options.includeFile) +
            "` at the end of [global], or set samba_add_include: true");

    // 3. The running processes: a diff against what they log now; no message when nothing changes.
    const auto smbcontrol = smbcontrolPath(options);
    // `all` cannot know how many processes will answer: smbcontrol waits its whole -t for replies (10 s by
    // default). One second is plenty for processes on this host; it is the cost of a Samba sync.
    auto answer = run({smbcontrol, "-s", options.smbConf, "-t", "1", "all", "debuglevel"}, options.timeout);
    if (!answer) {
        report.notes.push_back("the running Samba was not changed: " + answer.error().str() +
                               " (the include file takes effect at its next start)");
        report.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
        return report;
    }
    const auto live = core::samba::parseDebuglevelAnswer(*answer);
    report.processes = live.size();
    if (live.empty())
        report.notes.push_back("no running Samba process answered smbcontrol: the include file takes effect at its "
                               "next start");
    report.drift = core::samba::drift(live, report.plan);
    // Any audit class off its merged level (also one the policy no longer needs) is a difference.
    bool differs = false;
    for (const auto &process : live)
        for (auto name : core::samba::kAuditClasses)
            differs = differs || process.levels.level(name) != merged.level(name);
    if (differs && !live.empty()) {
        report.sent = true;
        if (!report.wouldOnly)
            if (auto sent = run({smbcontrol, "-s", options.smbConf, "all", "debug", merged.str()}, options.timeout);
                !sent)
                report.notes.push_back("smbcontrol debug: " + sent.error().str());
    }
    report.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    return report;
}

} // namespace gpaudit::samba
