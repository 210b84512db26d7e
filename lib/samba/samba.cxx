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

Result<core::samba::SambaSnapshot> readSambaHost(const Options &options)
{
    const auto started = Clock::now();
    core::samba::SambaSnapshot held;
    struct stat st {};
    if (::stat(options.smbConf.c_str(), &st) != 0)
        return held; // no smb.conf: not a Samba AD DC
    held.smbConfFound = true;
    held.smbConfMode = st.st_mode;
    held.smbConfUid = st.st_uid;
    held.smbConfGid = st.st_gid;
    auto text = host::readFileBounded(options.smbConf, kMaxSmbConf);
    if (!text)
        return tl::unexpected(text.error());
    held.smbConfText = std::move(*text);
    auto conf = core::samba::parseSmbConf(held.smbConfText, options.smbConf);
    if (!conf)
        return tl::unexpected(conf.error());
    held.conf = std::move(*conf);
    if (!held.conf.adDc)
        return held;
    auto admin = core::samba::adminLevels(held.conf, options.smbConf);
    if (!admin)
        return tl::unexpected(admin.error());
    held.admin = std::move(*admin);
    if (auto current = host::readFileBounded(options.includeFile, kMaxSmbConf))
        held.includeText = std::move(*current);
    // `all` cannot know how many processes will answer: smbcontrol waits its whole -t for replies (10 s by
    // default). One second is plenty for processes on this host; it is the cost of a Samba sync.
    auto answer =
        run({smbcontrolPath(options), "-s", options.smbConf, "-t", "1", "all", "debuglevel"}, options.timeout);
    if (answer)
        held.debuglevel = std::move(*answer);
    else
        held.debuglevelError = answer.error().str();
    held.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    return held;
}

Result<Report> executeSambaPlan(const core::samba::SambaApplyPlan &plan, const Options &options)
{
    const auto started = Clock::now();
    Report report = plan.report;
    if (plan.includeDue)
        if (auto ok = host::writeFileAtomic(plan.includeFile, plan.includeContent, 0644); !ok)
            return tl::unexpected(ok.error());
    if (plan.smbConfDue) {
        if (auto ok = host::writeFileAtomic(plan.smbConf, plan.smbConfContent, plan.smbConfMode); !ok)
            return tl::unexpected(ok.error());
        // First among the notes: the plan's are about smb.conf's include and smbcontrol, which follow it.
        if (::chown(plan.smbConf.c_str(), plan.smbConfUid, plan.smbConfGid) != 0)
            report.notes.insert(report.notes.begin(), "could not keep the owner of " + core::displayText(plan.smbConf) +
                                                          ": " + std::strerror(errno));
    }
    if (plan.sendDue)
        if (auto sent =
                run({smbcontrolPath(options), "-s", plan.smbConf, "all", "debug", plan.levels}, options.timeout);
            !sent)
            report.notes.push_back("smbcontrol debug: " + sent.error().str());
    if (report.dc)
        report.elapsed += std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    return report;
}

} // namespace gpaudit::samba
