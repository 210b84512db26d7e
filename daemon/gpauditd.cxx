// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditd: keeps this computer's Linux audit rules equal to its Group Policy audit policy.
// One thread, one sd-event loop: the sync timer (refresh, backoff), the full reapply timer, the drift
// timer and the kernel's CONFIG_CHANGE records, signals, the control socket, and the sync worker's
// socket. A sync's network half runs in the sync worker process (sync_worker.hxx), so the loop never
// waits for a DC: it restores drift and answers `status` meanwhile, then applies the fetched policy.
// A control client's request is read without blocking (its own IO source, a bounded buffer, a deadline):
// a client that sends nothing, or a byte at a time, costs the loop one wakeup per byte at most.
#include "cli/exit_status.hxx"
#include "cli/options.hxx"
#include "cli/output.hxx"
#include "config.h"
#include "core/base/config.hxx"
#include "core/base/control_request.hxx"
#include "core/base/text.hxx"
#include "core/base/time_text.hxx"
#include "core/report/render.hxx"
#include "host/control/control.hxx"
#include "host/data/rules_data.hxx"
#include "host/files/files.hxx"
#include "host/files/unique_fd.hxx"
#include "host/state/state.hxx"
#include "host/state/view.hxx"
#include "kernel/audit_netlink.hxx"
#include "kernel/config_watch.hxx"
#include "safe_console.hxx"
#include "service/engine.hxx"
#include "sync_worker.hxx"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fcntl.h>
#include <iostream>
#include <malloc.h>
#include <memory>
#include <optional>
#include <pwd.h>
#include <random>
#include <set>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace gpaudit;

using cli::kExitFailure;
using cli::kExitOk;
using cli::kExitUsage;

// Stable journal MESSAGE_IDs (journalctl MESSAGE_ID=...); listed in gpauditd(8).
constexpr const char *kIdSyncDone = "384a73786af34858a37f86ff9a12d5cc";
constexpr const char *kIdSyncFailed = "c460edfae07c4cfb8e11cb1672f4aeb9";
constexpr const char *kIdDriftRestored = "bc77a7e5255547d081b7f0d293398e55";
constexpr const char *kIdPolicyChanged = "27fe11864c20434388ce2a1444ed83cf";
constexpr const char *kIdStarted = "e2e15b15851c44d3a20eca735c903e1e";
constexpr const char *kIdStopped = "6093b4936ffa41d58c91b6ab04acc123";
constexpr const char *kIdPolicyStaged = "5f0c3d7e8b2a4e61a9d47c1e20b6f318";
constexpr const char *kIdNotJoined = "89315c0b72934e13807309778cfd0f2f";

constexpr const char *kUsage = R"(Usage: gpauditd [OPTIONS]

Keep this computer's Linux audit rules equal to the audit policy of the Group Policy
objects that apply to it: at start the last-known-good policy from the state directory,
then a sync with the domain, a background refresh every refresh_interval (plus a random
delay), a full reapply every full_reapply_interval, backoff while the DC cannot be
reached, and the rules restored within seconds when someone removes them.

Options:
  --config FILE      configuration file (default /etc/gpauditd.conf; missing = defaults)
  --foreground       stay in the foreground, log to standard error (or the journal under
                     systemd); without it gpauditd detaches once it is ready
  --realm REALM      the AD domain's Kerberos realm (default: detected)
  --machine NAME$    the computer account (default: detected, else the host name)
  --keytab FILE      the machine keytab (default /etc/krb5.keytab)
  --server DC-FQDN   the domain controller to use (default: DNS SRV records)
  --site NAME        the AD site (default: asked of the DC)
  --state-dir DIR    cache and last-known-good (default /var/lib/gpauditd)
  --socket PATH      the control socket (default /run/gpauditd/control.sock)
  --rules-file FILE  the persisted rules (default /etc/audit/rules.d/30-gpaudit.rules)
  --no-rules-file    change the kernel only, write no rules file
  --verbose          log every sync stage too
  -h, --help         print this help
  --version          print the version

Signals: SIGHUP reads the configuration again and syncs now; SIGTERM and SIGINT stop
gpauditd and leave the rules in force.
Exit status: 0 stopped cleanly, 1 cannot start (the message says why), 2 usage error.
)";

struct Options {
    bool foreground = false;
    bool verbose = false;
    cli::ConfigOverrides config; // --config and the options over its keys
};

// ---------------------------------------------------------------------------------------------------
// Logging: the journal with structured fields when it is there (and standard error is not a terminal
// of --foreground), else standard error (foreground) or syslog (detached).

enum class LogTarget { Stderr, Journal, Syslog };

struct Field {
    std::string name; // GPAUDIT_...
    std::string value;
};

class Log {
  public:
    LogTarget target = LogTarget::Stderr;
    bool verbose = false;

    // Messages and fields carry GPO names, paths and error texts from the domain: each is escaped to
    // one line of visible characters (core::displayText) before it reaches the journal, syslog or
    // standard error (issue 11).
    void operator()(int priority, const std::string &rawMessage, const char *messageId = nullptr,
                    const std::vector<Field> &rawFields = {}) const
    {
        if (priority == LOG_DEBUG && !verbose)
            return;
        const std::string message = core::displayText(rawMessage);
        std::vector<Field> fields;
        fields.reserve(rawFields.size());
        for (const auto &field : rawFields)
            fields.push_back({field.name, core::displayText(field.value)});
        switch (target) {
        case LogTarget::Journal: {
            std::vector<std::string> items = {"MESSAGE=" + message, "PRIORITY=" + std::to_string(priority),
                                              "SYSLOG_IDENTIFIER=gpauditd"};
            if (messageId != nullptr)
                items.push_back(std::string("MESSAGE_ID=") + messageId);
            for (const auto &field : fields)
                items.push_back(field.name + "=" + field.value);
            std::vector<iovec> iov;
            iov.reserve(items.size());
            for (auto &item : items)
                iov.push_back({item.data(), item.size()});
            sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
            break;
        }
        case LogTarget::Syslog:
            ::syslog(priority, "%s", message.c_str());
            break;
        case LogTarget::Stderr: {
            std::string line = "gpauditd: " + message;
            if (messageId != nullptr) {
                line += " [MESSAGE_ID=" + std::string(messageId);
                for (const auto &field : fields)
                    line += " " + field.name + "=" + field.value;
                line += "]";
            }
            std::cerr << line << std::endl;
            break;
        }
        }
    }
};

using core::utcText;

std::string spanText(std::uint64_t usec)
{
    return core::spanText(std::chrono::seconds(usec / 1000000));
}

std::string msText(std::chrono::microseconds us)
{
    return core::millisText(us);
}

std::uint64_t toUsec(std::chrono::seconds s)
{
    return static_cast<std::uint64_t>(s.count()) * 1000000u;
}

// gpauditd closes libsmbclient when no sync came for this long (domain::SmbReader::unloadLibrary).
constexpr std::uint64_t kSmbIdleUnloadUsec = 30 * 1000000ULL;

struct DriftEvent {
    std::time_t time = 0;
    std::size_t missing = 0;
    std::size_t expected = 0;
    std::string by; // "auid=0 (root) ses=3", or "unknown"
    std::string result;
    std::chrono::microseconds took{0};
};

struct SeenChange {
    std::uint64_t at = 0; // monotonic usec
    kernel::ConfigChange change;
};

// ---------------------------------------------------------------------------------------------------

class Daemon {
  public:
    Daemon(Options options, core::Config config, host::RulesData data, Log log)
        : options_(std::move(options)), config_(std::move(config)), data_(std::move(data)), log_(log),
          random_(std::random_device{}())
    {
    }
    ~Daemon();
    void removeSocket(); // closes the control socket and removes its path
    Daemon(const Daemon &) = delete;
    Daemon &operator=(const Daemon &) = delete;

    // Everything up to readiness: socket, event sources, the cached policy applied. An error: cannot start.
    Result<void> start();
    int run();

  private:
    static int onSignal(sd_event_source *, const signalfd_siginfo *info, void *self);
    static int onSyncTimer(sd_event_source *, std::uint64_t, void *self);
    static int onFullTimer(sd_event_source *, std::uint64_t, void *self);
    static int onDriftTimer(sd_event_source *, std::uint64_t, void *self);
    static int onConfigChange(sd_event_source *, int, std::uint32_t, void *self);
    static int onSmbIdle(sd_event_source *, std::uint64_t, void *self);
    static int onControl(sd_event_source *, int, std::uint32_t, void *self);
    static int onClientData(sd_event_source *, int, std::uint32_t, void *client);
    static int onClientDeadline(sd_event_source *, std::uint64_t, void *client);
    static int onWorker(sd_event_source *, int, std::uint32_t, void *self);
    static int onLockRetry(sd_event_source *, std::uint64_t, void *self);

    std::uint64_t now() const;
    void schedule(sd_event_source *source, std::uint64_t at);
    // A sync for the timers (no clientFd) or a control client (which then owns clientFd: the answer and
    // the exit status go there when the sync ends). It waits in line; its fetch runs in the worker.
    void sync(bool force, const service::SyncRequest *clientRequest = nullptr, host::UniqueFd clientFd = {},
              pid_t pid = 0, bool json = false);
    void startNextSync();
    void sendToWorker();
    void finishSync(service::WorkerResult result);
    struct SyncJob;
    void applyFetched(std::unique_ptr<SyncJob> job, service::PendingSyncPtr pending);
    void endWorker(bool now);
    void applyCachedPolicy();
    service::SyncEvents syncEvents(std::function<void(const std::string &)> tell = {}, bool json = false) const;
    void afterSync(const core::SyncReport &outcome, bool background);
    void armSmbIdle();
    void checkDrift();
    void reload();
    void drainChanges();
    void checkSoon();
    std::string whoChanged(std::uint64_t since) const;
    void notifyStatus() const;
    // A control connection until its request line is complete (then serve() answers it, blocking).
    struct Client {
        Daemon *daemon = nullptr;
        host::UniqueFd fd;
        host::control::Peer peer;
        std::string buffer;
        sd_event_source *io = nullptr;
        sd_event_source *deadline = nullptr;
    };
    void dropClient(Client *client);
    // Answers a complete request; a sync keeps the connection (answered when the sync ends).
    void serve(host::UniqueFd connection, const host::control::Peer &peer, const std::string &line);
    // The worker found this host not joined (`why`; empty: joined): idle until the next look.
    bool idleUnlessJoined(const std::string &why, bool background, const cli::Sink *clientSink);
    // gpauditctl status: what this daemon knows, rendered by core/report/render.hxx. statusFacts: all
    // of it but state.yaml and the kernel's audit state (no I/O; also the sd_notify status line).
    core::DaemonStatus statusFacts() const;
    std::string statusReport(bool json) const;

    Options options_;
    core::Config config_;
    host::RulesData data_;
    Log log_;
    std::mt19937_64 random_;

    sd_event *event_ = nullptr;
    sd_event_source *syncTimer_ = nullptr;
    sd_event_source *fullTimer_ = nullptr;
    sd_event_source *driftTimer_ = nullptr;
    sd_event_source *smbIdleTimer_ = nullptr;
    sd_event_source *watchSource_ = nullptr;
    sd_event_source *controlSource_ = nullptr;
    std::vector<sd_event_source *> signalSources_;
    host::UniqueFd listen_;
    std::vector<std::unique_ptr<Client>> clients_; // waiting for their request line
    std::size_t clientsDropped_ = 0;               // closed at the deadline, oversized, or over the limit
    std::optional<kernel::ConfigWatch> watch_;
    std::string watchError_;

    // What the status reports.
    std::time_t started_ = 0;
    std::optional<core::SyncReport> last_; // the last sync that ran (any result)
    std::time_t lastTime_ = 0;
    std::vector<std::string> inForce_;
    std::string inForceTime_; // of the policy in force
    std::string lastError_;
    std::time_t lastErrorTime_ = 0;
    unsigned failures_ = 0;
    std::uint64_t nextSync_ = 0;
    std::uint64_t nextFull_ = 0;
    std::size_t syncs_ = 0;
    std::deque<DriftEvent> drifts_;
    std::size_t driftCount_ = 0;
    std::deque<SeenChange> changes_;
    std::uint64_t lastDriftCheck_ = 0;
    std::uint64_t driftUrgentSince_ = 0; // the first CONFIG_CHANGE record of rules not yet checked
    // How the last sync reached the kernel: applied, staged (immutable kernel), report-only.
    core::ApplyMode mode_ = core::ApplyMode::Apply;
    std::string modeReason_;
    std::vector<std::string> guardrailNotes_;
    bool immutableDriftLogged_ = false;
    std::string notJoined_; // why this host is not joined to a domain (gpauditd idles); empty = joined

    // Syncs. One at a time: its network half in the sync worker process (sync_worker.hxx says why a
    // process), its apply on this loop; the others wait in line.
    struct SyncJob {
        service::SyncRequest request;
        core::Config config; // the configuration in force when it started (a reload does not touch it)
        bool background = true;
        host::UniqueFd client; // the control connection waiting for the answer, or none
        pid_t pid = 0;
        bool clientGone = false;
        std::time_t started = 0;
        std::uint64_t startedUsec = 0;
        std::chrono::steady_clock::time_point startedAt; // the sync's total time counts from here
        bool json = false;                               // the client asked for the summary as JSON
        service::SyncEvents events;         // the fetch's events as the worker tells them, then the apply's
        std::optional<host::UniqueFd> lock; // STATE_DIR/lock, taken on the loop before the fetch
        bool sent = false;                  // the worker has the request
    };
    std::deque<std::unique_ptr<SyncJob>> queued_;
    std::unique_ptr<SyncJob> running_;
    std::string progress_;       // the running sync's last stage line
    bool syncHoldsLock_ = false; // the running sync holds STATE_DIR/lock (until its apply ends)
    sd_event_source *lockRetryTimer_ = nullptr;
    sd_event_source *workerSource_ = nullptr; // the worker's socket, while a worker runs
    bool workerLdapKept_ = false;             // what the worker said it keeps after its last sync
    bool workerSmbKept_ = false;
    daemon::SyncWorker worker_;
};

Daemon::~Daemon()
{
    while (!clients_.empty())
        dropClient(clients_.back().get());
    for (auto *source : {syncTimer_, fullTimer_, driftTimer_, smbIdleTimer_, watchSource_, controlSource_,
                         workerSource_, lockRetryTimer_})
        sd_event_source_unref(source);
    for (auto *source : signalSources_)
        sd_event_source_unref(source);
    sd_event_unref(event_);
    removeSocket();
}

void Daemon::removeSocket()
{
    if (listen_) {
        listen_.reset();
        ::unlink(config_.socket.c_str());
    }
}

std::uint64_t Daemon::now() const
{
    std::uint64_t usec = 0;
    sd_event_now(event_, CLOCK_MONOTONIC, &usec);
    return usec;
}

void Daemon::schedule(sd_event_source *source, std::uint64_t at)
{
    sd_event_source_set_time(source, at);
    sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
}

Result<void> Daemon::start()
{
    started_ = std::time(nullptr);
    if (::geteuid() != 0)
        return fail("gpauditd changes the kernel's audit rules and must run as root");
    if (auto made = host::makeDirectories(config_.stateDir, 0700); !made)
        return tl::unexpected(made.error());
    // The sync worker's program: gpauditctl beside this executable (both in sbindir; in the build tree
    // both in daemon/), opened now (sync_worker.hxx: the same build even after an upgrade).
    {
        std::string self(4096, '\0');
        const ssize_t n = ::readlink("/proc/self/exe", self.data(), self.size() - 1);
        if (n <= 0)
            return fail(std::string("readlink /proc/self/exe: ") + std::strerror(errno));
        self.resize(static_cast<std::size_t>(n));
        const auto slash = self.rfind('/');
        if (auto opened = worker_.open(self.substr(0, slash + 1) + "gpauditctl"); !opened)
            return tl::unexpected(opened.error());
    }
    if (int r = sd_event_new(&event_); r < 0)
        return fail(std::string("sd_event_new: ") + std::strerror(-r));
    sigset_t mask;
    sigemptyset(&mask);
    for (int signal : {SIGTERM, SIGINT, SIGHUP})
        sigaddset(&mask, signal);
    ::sigprocmask(SIG_BLOCK, &mask, nullptr);
    (void)std::signal(SIGPIPE, SIG_IGN);
    for (int signal : {SIGTERM, SIGINT, SIGHUP}) {
        sd_event_source *source = nullptr;
        if (int r = sd_event_add_signal(event_, &source, signal, onSignal, this); r < 0)
            return fail(std::string("sd_event_add_signal: ") + std::strerror(-r));
        signalSources_.push_back(source);
    }
    auto listening = host::control::listenAt(config_.socket);
    if (!listening)
        return tl::unexpected(listening.error());
    listen_ = std::move(*listening);
    if (int r = sd_event_add_io(event_, &controlSource_, listen_.get(), EPOLLIN, onControl, this); r < 0)
        return fail(std::string("sd_event_add_io: ") + std::strerror(-r));

    // The kernel multicasts audit records in the initial network namespace only.
    struct stat own {
    }, initial{};
    const bool initialNetns = ::stat("/proc/self/ns/net", &own) != 0 || ::stat("/proc/1/ns/net", &initial) != 0 ||
                              own.st_ino == initial.st_ino;
    auto watch = initialNetns ? kernel::ConfigWatch::open()
                              : Result<kernel::ConfigWatch>(fail("not in the initial network namespace, where the "
                                                                 "kernel multicasts audit records"));
    if (watch) {
        watch_ = std::move(*watch);
        sd_event_add_io(event_, &watchSource_, watch_->fd(), EPOLLIN, onConfigChange, this);
    } else {
        watchError_ = watch.error().message;
        log_(LOG_WARNING, "cannot read the kernel's CONFIG_CHANGE records (" + watchError_ +
                              "): drift is found by the check every " +
                              std::to_string(config_.driftCheckInterval.count()) + "s only, without who did it");
    }
    // Timers: accuracy 1 s lets the kernel coalesce wakeups.
    const auto accuracy = 1000000u;
    sd_event_add_time(event_, &syncTimer_, CLOCK_MONOTONIC, now(), accuracy, onSyncTimer, this);
    sd_event_add_time(event_, &fullTimer_, CLOCK_MONOTONIC, now() + toUsec(config_.fullReapplyInterval), accuracy,
                      onFullTimer, this);
    nextFull_ = now() + toUsec(config_.fullReapplyInterval);
    sd_event_add_time(event_, &driftTimer_, CLOCK_MONOTONIC, now() + toUsec(config_.driftCheckInterval), accuracy,
                      onDriftTimer, this);
    sd_event_source_set_enabled(driftTimer_, SD_EVENT_ON);
    sd_event_set_watchdog(event_, 1); // pings at half WATCHDOG_USEC when systemd asks for it

    // A host that boots without its DC is covered at once by the last-known-good policy.
    if (host::readSyncState(config_.stateDir)) {
        applyCachedPolicy();
    } else {
        log_(LOG_INFO, "no cached policy in " + config_.stateDir + " yet: the first sync sets it");
    }
    nextSync_ = now();
    log_(LOG_INFO,
         "started " + std::string(GPAUDIT_VERSION) + ": state " + config_.stateDir + ", control socket " +
             config_.socket + ", refresh every " + std::to_string(config_.refreshInterval.count()) + "s",
         kIdStarted, {{"GPAUDIT_SOCKET", config_.socket}});
    return {};
}

int Daemon::run()
{
    sd_notify(0, "READY=1");
    notifyStatus();
    const int r = sd_event_loop(event_);
    sd_notify(0, "STOPPING=1");
    log_(LOG_INFO, "stopping; the " + std::to_string(inForce_.size()) + " audit rules of the last policy stay in force",
         kIdStopped, {{"GPAUDIT_RULES", std::to_string(inForce_.size())}});
    if (running_ != nullptr && running_->sent) {
        // A sync is fetching (a slow or silent DC): not waited for. Nothing of it reached the kernel or
        // state.yaml (the loop applies); the GPO cache files the worker wrote are whole (written by rename).
        log_(LOG_INFO, "stopping during a sync: its fetch is abandoned, nothing of it was applied");
    }
    endWorker(true);
    return r < 0 ? kExitFailure : kExitOk;
}

int Daemon::onSignal(sd_event_source *, const signalfd_siginfo *info, void *self)
{
    auto &d = *static_cast<Daemon *>(self);
    if (info->ssi_signo == SIGHUP) {
        d.reload();
        d.log_(LOG_INFO, "SIGHUP: syncing now");
        d.schedule(d.syncTimer_, d.now());
        return 0;
    }
    sd_event_exit(d.event_, 0);
    return 0;
}

// SIGHUP (systemctl reload): the configuration file read again, the command line's options over it. A
// file that does not parse changes nothing. The socket and the state directory are held open by the
// running daemon: a change of them waits for the next start.
void Daemon::reload()
{
    auto fresh = cli::loadConfig(options_.config);
    if (!fresh) {
        lastError_ = "reload: " + fresh.error().str() + "; the configuration in force is kept";
        lastErrorTime_ = std::time(nullptr);
        log_(LOG_ERR, lastError_);
        return;
    }
    std::string later;
    if (fresh->socket != config_.socket) {
        later += " socket " + fresh->socket;
        fresh->socket = config_.socket;
    }
    if (fresh->stateDir != config_.stateDir) {
        later += " state_dir " + fresh->stateDir;
        fresh->stateDir = config_.stateDir;
    }
    if (!later.empty())
        log_(LOG_WARNING, "reload: in force at the next start:" + later);
    const bool fullChanged = fresh->fullReapplyInterval != config_.fullReapplyInterval;
    const bool driftChanged = fresh->driftCheckInterval != config_.driftCheckInterval;
    config_ = std::move(*fresh);
    if (fullChanged) {
        nextFull_ = now() + toUsec(config_.fullReapplyInterval);
        schedule(fullTimer_, nextFull_);
    }
    if (driftChanged)
        schedule(driftTimer_, now() + toUsec(config_.driftCheckInterval));
    const std::string path = options_.config.configPath.empty() ? core::kDefaultConfigPath : options_.config.configPath;
    log_(LOG_INFO, "reload: configuration read again from " + path + "; refresh every " +
                       std::to_string(config_.refreshInterval.count()) + "s, drift check every " +
                       std::to_string(config_.driftCheckInterval.count()) + "s");
}

int Daemon::onSyncTimer(sd_event_source *, std::uint64_t, void *self)
{
    static_cast<Daemon *>(self)->sync(false);
    return 0;
}

int Daemon::onFullTimer(sd_event_source *, std::uint64_t, void *self)
{
    auto &d = *static_cast<Daemon *>(self);
    if (d.notJoined_.empty())
        d.log_(LOG_INFO, "full reapply: every GPO's files fetched again and the policy applied again");
    d.sync(true);
    d.nextFull_ = d.now() + toUsec(d.config_.fullReapplyInterval);
    d.schedule(d.fullTimer_, d.nextFull_);
    return 0;
}

int Daemon::onDriftTimer(sd_event_source *, std::uint64_t, void *self)
{
    auto &d = *static_cast<Daemon *>(self);
    d.driftUrgentSince_ = 0;
    sd_event_source_set_time_accuracy(d.driftTimer_, 1000000);
    d.checkDrift();
    // Unless records that came during the restore asked for another check at once (checkSoon).
    if (d.driftUrgentSince_ == 0)
        d.schedule(d.driftTimer_, d.now() + toUsec(d.config_.driftCheckInterval));
    return 0;
}

int Daemon::onSmbIdle(sd_event_source *, std::uint64_t, void *self)
{
    auto &d = *static_cast<Daemon *>(self);
    // The sync worker keeps the SMB session and the hundred Samba libraries behind it (3 to 4 MiB), the
    // LDAP session and libkrb5: not worth keeping between refreshes 90 minutes apart; a burst of syncs
    // (gpauditctl sync, a full reapply) reuses them. An Active Directory DC closes an idle LDAP session
    // after MaxConnIdleTime (900 s by default) anyway, so the next refresh would bind again either way.
    // The worker ends here, everything it mapped with it; never during a sync: the next sync's end
    // re-arms this timer.
    if (d.running_ != nullptr || !d.queued_.empty())
        return 0;
    if (d.worker_.running()) {
        d.endWorker(false); // its sessions, libsmbclient and the fetch workers with it
        ::malloc_trim(0);
        d.log_(LOG_DEBUG, "idle: the sync worker ended (its LDAP and SMB sessions with it) until the next sync");
    }
    return 0;
}

int Daemon::onConfigChange(sd_event_source *, int, std::uint32_t, void *self)
{
    auto &d = *static_cast<Daemon *>(self);
    bool rules = false;
    for (auto &change : d.watch_->drain()) {
        rules = rules || change.op == "remove_rule" || change.op == "add_rule";
        d.changes_.push_back({d.now(), std::move(change)});
        if (d.changes_.size() > 256)
            d.changes_.pop_front();
    }
    if (rules || d.watch_->takeLost())
        d.checkSoon();
    return 0;
}

void Daemon::checkSoon()
{
    // Someone changed rules: check at once, once their records have stopped for 20 ms (`auditctl -D`
    // removes rule after rule) and at most 100 ms after the first one. The periodic check's 1 s accuracy
    // would let sd-event put the wakeup up to a second later: 1 ms here (tests/bench/drift-latency.sh).
    const auto at = now();
    if (driftUrgentSince_ == 0)
        driftUrgentSince_ = at;
    sd_event_source_set_time_accuracy(driftTimer_, 1000);
    schedule(driftTimer_, std::min(at + 20000, driftUrgentSince_ + 100000));
}

void Daemon::drainChanges()
{
    // Records our own apply caused: not drift. But a rule removed meanwhile by someone else (`auditctl
    // -D` still running while a restore ran) has its record among them: then check again at once (a
    // rule list; nothing is done when nothing is missing).
    if (!watch_)
        return;
    bool removed = false;
    for (auto &change : watch_->drain()) {
        if (change.op != "remove_rule")
            continue;
        removed = true;
        changes_.push_back({now(), std::move(change)});
        if (changes_.size() > 256)
            changes_.pop_front();
    }
    if (removed || watch_->takeLost())
        checkSoon();
}

std::string Daemon::whoChanged(std::uint64_t since) const
{
    std::set<std::string> who;
    for (const auto &seen : changes_) {
        if (seen.at < since || seen.change.op != "remove_rule")
            continue;
        std::string text = "auid=" + seen.change.auid;
        if (seen.change.auid == "4294967295") {
            text += " (no login user)";
        } else {
            char *end = nullptr;
            const auto uid = std::strtoul(seen.change.auid.c_str(), &end, 10);
            struct passwd pw {};
            struct passwd *result = nullptr;
            char buffer[1024];
            if (end != seen.change.auid.c_str() &&
                ::getpwuid_r(static_cast<uid_t>(uid), &pw, buffer, sizeof buffer, &result) == 0 && result != nullptr)
                text += std::string(" (") + result->pw_name + ")";
        }
        text += " ses=" + seen.change.ses;
        who.insert(text);
    }
    if (who.empty())
        return watch_ ? "unknown (no CONFIG_CHANGE record seen: auditing disabled (auditctl -e 0), or gpauditd "
                        "outside the initial network namespace)"
                      : "unknown";
    std::string text;
    for (const auto &w : who)
        text += (text.empty() ? "" : ", ") + w;
    return text;
}

void Daemon::checkDrift()
{
    const auto since = lastDriftCheck_;
    lastDriftCheck_ = now();
    if (inForce_.empty())
        return;
    const auto drift = service::checkDrift(inForce_);
    if (!drift.error.empty()) {
        log_(LOG_WARNING, "drift check: " + drift.error);
        return;
    }
    if (drift.missing.empty()) {
        immutableDriftLogged_ = false;
        return;
    }
    if (drift.immutable) {
        // Nothing can be restored until reboot: say so once, do not fight the kernel every check.
        if (!immutableDriftLogged_)
            log_(LOG_WARNING,
                 "drift: " + std::to_string(drift.missing.size()) + " of " + std::to_string(inForce_.size()) +
                     " gpaudit rules are missing and the kernel's audit configuration is immutable "
                     "(-e 2): they cannot be restored until reboot; " +
                     (config_.rulesFile.empty() ? std::string("no rules file is configured")
                                                : config_.rulesFile + " has the policy for the next boot"));
        immutableDriftLogged_ = true;
        return;
    }
    DriftEvent event;
    event.time = std::time(nullptr);
    event.missing = drift.missing.size();
    event.expected = inForce_.size();
    event.by = whoChanged(since > 5000000 ? since - 5000000 : 0);
    const auto started = std::chrono::steady_clock::now();
    service::SyncRequest request;
    request.offline = true;
    request.program = "gpauditd";
    // During a sync this loop holds the state lock and the worker only fetches (the apply waits for this
    // loop): the restore goes on at once, serialized with the sync's apply by running on the loop too.
    // (While the sync waits for the lock, another process's sync holds it: the restore waits too.)
    request.lockHeld = syncHoldsLock_;
    const auto outcome = service::runLocalSync(data_, config_, request, host::ViewSettings{});
    drainChanges();
    event.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    if (cli::exitStatus(outcome) == kExitOk && outcome.applied) {
        inForce_ = outcome.inForce;
        event.result = "restored";
        log_(LOG_WARNING,
             "drift: " + std::to_string(event.missing) + " of " + std::to_string(event.expected) +
                 " gpaudit rules were removed from the kernel by " + event.by + "; restored in " + msText(event.took) +
                 " ms",
             kIdDriftRestored,
             {{"GPAUDIT_MISSING", std::to_string(event.missing)},
              {"GPAUDIT_BY", event.by},
              {"GPAUDIT_RULES", std::to_string(outcome.inForce.size())}});
    } else {
        event.result = "not restored: " + outcome.error;
        log_(LOG_ERR,
             "drift: " + std::to_string(event.missing) + " gpaudit rules were removed by " + event.by +
                 " and could not be restored: " + outcome.error,
             kIdSyncFailed, {{"GPAUDIT_MISSING", std::to_string(event.missing)}, {"GPAUDIT_BY", event.by}});
        lastError_ = "drift restore: " + outcome.error;
        lastErrorTime_ = event.time;
    }
    ++driftCount_;
    drifts_.push_back(event);
    if (drifts_.size() > 10)
        drifts_.pop_front();
    notifyStatus();
}

// A sync's events as lines: to the journal (warnings as such, the steps for debugging) and to `tell`
// (the client that asked for the sync). The fetch's as the worker tells them, then the apply's.
service::SyncEvents Daemon::syncEvents(std::function<void(const std::string &)> tell, bool json) const
{
    return [this, tell = std::move(tell), json](const core::SyncEvent &event) {
        using Kind = core::SyncEvent::Kind;
        const bool warning = event.kind == Kind::LastKnownGood || event.kind == Kind::Note ||
                             event.kind == Kind::Problem || event.kind == Kind::Failed;
        for (const auto &line : core::renderSyncEvent(event, "gpauditd", json)) {
            log_(warning ? LOG_WARNING : LOG_DEBUG, line);
            if (tell)
                tell(line);
        }
    };
}

// The first run of a daemon with a cached policy: apply it without the domain, at once (no network).
void Daemon::applyCachedPolicy()
{
    service::SyncRequest request;
    request.offline = true;
    request.program = "gpauditd";
    sd_notify(0, "STATUS=Applying the cached policy");
    const auto outcome = service::runLocalSync(data_, config_, request, host::ViewSettings{}, syncEvents());
    drainChanges();
    if (cli::exitStatus(outcome) == kExitFailure)
        log_(LOG_WARNING, "the cached policy could not be applied: " + outcome.error);
    afterSync(outcome, true);
}

void Daemon::sync(bool force, const service::SyncRequest *clientRequest, host::UniqueFd clientFd, pid_t pid, bool json)
{
    auto job = std::make_unique<SyncJob>();
    if (clientRequest != nullptr)
        job->request = *clientRequest;
    job->request.force = job->request.force || force;
    job->request.program = "gpauditd";
    job->background = !clientFd;
    job->client = std::move(clientFd);
    job->pid = pid;
    job->json = json;
    if (job->background) {
        // One background sync in line is enough (a full reapply's force carries over to it).
        for (auto &waiting : queued_)
            if (waiting->background) {
                waiting->request.force = waiting->request.force || job->request.force;
                return;
            }
    }
    queued_.push_back(std::move(job));
    startNextSync();
}

void Daemon::startNextSync()
{
    namespace control = host::control;
    while (running_ == nullptr && !queued_.empty()) {
        auto job = std::move(queued_.front());
        queued_.pop_front();
        job->config = config_;
        SyncJob *j = job.get();
        // Progress lines: to the journal (debug), to the waiting client, and the last one to status.
        job->events = syncEvents(
            [this, j](const std::string &line) {
                if (j->client)
                    j->clientGone =
                        !control::sendFrame(j->client.get(), 'e', "gpauditctl: " + line + "\n") || j->clientGone;
                progress_ = line.substr(0, 512);
            },
            j->json);
        job->started = std::time(nullptr);
        job->startedUsec = now();
        job->startedAt = std::chrono::steady_clock::now();
        progress_ = "starting";
        running_ = std::move(job);
        notifyStatus();
        sendToWorker(); // (the loop's own offline syncs, start and drift restore, do not come here)
        return;
    }
}

// The running sync takes the state lock here, without waiting (another process's sync may hold it:
// then again every 200 ms), and hands its request to the worker (started if none runs).
void Daemon::sendToWorker()
{
    SyncJob *j = running_.get();
    if (!j->lock) {
        auto lock = host::makeDirectories(j->config.stateDir, 0700).and_then([&] {
            return host::tryLockFile(j->config.stateDir + "/lock");
        });
        if (!lock) {
            service::WorkerResult failed;
            failed.policy = fail("cannot take the state directory's lock: " + lock.error().str());
            finishSync(std::move(failed));
            return;
        }
        if (!*lock) {
            if (progress_ == "starting")
                j->events(core::SyncEvent::of(core::SyncEvent::Kind::Step,
                                              "waiting for the state directory's lock (another sync holds it)"));
            if (lockRetryTimer_ == nullptr)
                sd_event_add_time(event_, &lockRetryTimer_, CLOCK_MONOTONIC, now() + 200000, 10000, onLockRetry, this);
            else
                schedule(lockRetryTimer_, now() + 200000);
            return;
        }
        j->lock = std::move(**lock);
        syncHoldsLock_ = true;
    }
    service::WorkerRequest request;
    request.config = j->config;
    request.force = j->request.force;
    request.dryRun = j->request.dryRun;
    const bool fresh = !worker_.running();
    if (auto sent = worker_.send(request); !sent) {
        service::WorkerResult failed;
        failed.policy = fail(sent.error().str());
        finishSync(std::move(failed));
        return;
    }
    if (fresh) {
        sd_event_source_unref(workerSource_);
        workerSource_ = nullptr;
        if (int r = sd_event_add_io(event_, &workerSource_, worker_.fd(), EPOLLIN, onWorker, this); r < 0) {
            endWorker(true);
            service::WorkerResult failed;
            failed.policy = fail(std::string("sd_event_add_io: ") + std::strerror(-r));
            finishSync(std::move(failed));
            return;
        }
    }
    j->sent = true;
}

int Daemon::onLockRetry(sd_event_source *, std::uint64_t, void *self)
{
    auto &d = *static_cast<Daemon *>(self);
    if (d.running_ != nullptr && !d.running_->sent)
        d.sendToWorker();
    return 0;
}

void Daemon::endWorker(bool now)
{
    sd_event_source_unref(workerSource_);
    workerSource_ = nullptr;
    worker_.end(now);
    workerLdapKept_ = false;
    workerSmbKept_ = false;
}

// The worker's socket: the running sync's events as they come, then its result. A worker that ends,
// or writes out of protocol, fails the running sync (nothing of it is applied) and is ended; the next
// sync starts a new one.
int Daemon::onWorker(sd_event_source *, int, std::uint32_t, void *self)
{
    auto &d = *static_cast<Daemon *>(self);
    auto frames = d.worker_.receive();
    if (!frames) {
        sd_event_source_unref(d.workerSource_);
        d.workerSource_ = nullptr;
        d.workerLdapKept_ = false;
        d.workerSmbKept_ = false;
        d.log_(LOG_ERR, frames.error().message);
        if (d.running_ != nullptr && d.running_->sent) {
            service::WorkerResult failed;
            failed.policy = fail(frames.error().message);
            d.finishSync(std::move(failed));
        }
        return 0;
    }
    for (auto &frame : *frames) {
        if (d.running_ == nullptr || !d.running_->sent)
            break; // nothing asked: not believed
        if (frame.kind == 'E') {
            if (auto event = service::decodeSyncEvent(frame.payload); event && event->apply == nullptr)
                d.running_->events(*event);
            continue;
        }
        if (frame.kind != 'R')
            continue;
        auto result = service::decodeWorkerResult(frame.payload);
        if (!result) {
            const std::string why = "the sync worker's result: " + result.error().str();
            d.endWorker(true);
            result = service::WorkerResult{};
            result->policy = fail(why);
        }
        d.workerLdapKept_ = result->ldapKept;
        d.workerSmbKept_ = result->smbKept;
        d.finishSync(std::move(*result));
        return 0; // finishSync may have started the next sync (and its frames come later)
    }
    return 0;
}

// The worker has fetched: parse, merge, translate, apply and record here, on the loop, where the drift
// restore runs too (never both at once).
void Daemon::finishSync(service::WorkerResult result)
{
    auto job = std::move(running_);
    syncHoldsLock_ = false; // released with the job (or by completeSync)
    progress_.clear();
    const cli::Sink clientOnly{[](std::string_view) {},
                               [&job](std::string_view message) {
                                   if (job->client)
                                       host::control::sendFrame(job->client.get(), 'e',
                                                                "gpauditctl: " + std::string(message) + "\n");
                               }};
    if (idleUnlessJoined(result.notJoined, job->background, job->background ? nullptr : &clientOnly)) {
        if (job->client)
            host::control::sendFrame(job->client.get(), 'x', std::to_string(kExitFailure));
        armSmbIdle();
        startNextSync();
        return;
    }
    service::PendingSyncPtr pending(new service::PendingSync);
    pending->lock = std::move(job->lock);
    pending->started = job->startedAt;
    pending->previous = host::readSyncState(job->config.stateDir);
    pending->stage = result.stage;
    pending->policy = std::move(result.policy);
    applyFetched(std::move(job), std::move(pending));
}

void Daemon::applyFetched(std::unique_ptr<SyncJob> job, service::PendingSyncPtr pending)
{
    const auto outcome =
        service::completeSync(data_, job->config, job->request, host::ViewSettings{}, std::move(pending), job->events);
    syncHoldsLock_ = false; // completeSync released it
    drainChanges();
    progress_.clear();
    if (!job->request.dryRun) {
        afterSync(outcome, job->background);
    } else {
        armSmbIdle(); // a dry run fetches too
        notifyStatus();
    }
    if (job->client) {
        if (outcome.result != core::SyncResult::Failed)
            job->clientGone =
                !host::control::sendFrame(job->client.get(), 'o',
                                          job->json ? core::renderSyncJson(outcome, data_.catalog, data_.mapping)
                                                    : core::renderSyncText(outcome)) ||
                job->clientGone;
        host::control::sendFrame(job->client.get(), 'x', std::to_string(cli::exitStatus(outcome)));
        job->client.reset();
    }
    startNextSync();
}

// A host that is not joined to a domain (no realm, no machine keytab: a fresh install of the package)
// is not an error: gpauditd stays up and idle, says why in its status, and looks again every
// retry_max, at SIGHUP (systemctl reload) and at `gpauditctl sync`. No backoff, no failed syncs, no
// restart by systemd. A cached policy, if any, stays in force.
bool Daemon::idleUnlessJoined(const std::string &why, bool background, const cli::Sink *clientSink)
{
    if (why.empty()) {
        if (!notJoined_.empty())
            log_(LOG_INFO, "joined to a domain now: syncing");
        notJoined_.clear();
        return false;
    }
    if (why != notJoined_)
        log_(LOG_NOTICE,
             "not joined to a domain: " + why + "; idle, checking again every " + spanText(toUsec(config_.retryMax)) +
                 " and at systemctl reload",
             kIdNotJoined, {{"GPAUDIT_NOT_JOINED", why}});
    notJoined_ = why;
    if (clientSink != nullptr)
        clientSink->err("not joined to a domain: " + why);
    if (background) {
        nextSync_ = now() + toUsec(config_.retryMax);
        schedule(syncTimer_, nextSync_);
    }
    notifyStatus();
    return true;
}

// libsmbclient and the fetch workers (loaded or started when a sync fetched files, dry runs too) are
// given back once no sync came for kSmbIdleUnload.
void Daemon::armSmbIdle()
{
    if (smbIdleTimer_ == nullptr)
        sd_event_add_time(event_, &smbIdleTimer_, CLOCK_MONOTONIC, now() + kSmbIdleUnloadUsec, 1000000, onSmbIdle,
                          this);
    else
        schedule(smbIdleTimer_, now() + kSmbIdleUnloadUsec);
}

void Daemon::afterSync(const core::SyncReport &outcome, bool background)
{
    (void)background;
    const int status = cli::exitStatus(outcome);
    const std::string result(core::resultKey(outcome.result));
    const core::ApplyMode mode = outcome.apply ? outcome.apply->mode : core::ApplyMode::Apply;
    const std::string modeReason = outcome.apply ? outcome.apply->modeReason : std::string();
    const std::size_t added = outcome.apply ? outcome.apply->added.size() : 0;
    const std::size_t removed = outcome.apply ? outcome.apply->removed.size() : 0;
    ++syncs_;
    lastTime_ = std::time(nullptr);
    // What the sync allocated and freed (LDAP answers, GPO files, libsmbclient's buffers) goes back to
    // the kernel: idle, gpauditd keeps only what it holds (Pss: tests/bench/sync-vs-samba-gpupdate.sh).
    ::malloc_trim(0);
    armSmbIdle();
    if (outcome.applied) {
        inForce_ = outcome.inForce;
        inForceTime_ = outcome.record.time;
    }
    if (status != kExitFailure) {
        mode_ = mode;
        modeReason_ = modeReason;
        guardrailNotes_ = outcome.guardrails;
    }
    if (outcome.staged && outcome.apply && outcome.apply->rulesFileWritten)
        log_(LOG_NOTICE,
             "policy staged in " + config_.rulesFile + ", takes effect at the next boot: " + modeReason +
                 " (at the next boot: add " + std::to_string(added) + ", remove " + std::to_string(removed) + ")",
             kIdPolicyStaged,
             {{"GPAUDIT_MODE", "staged"},
              {"GPAUDIT_RULES_FILE", config_.rulesFile},
              {"GPAUDIT_RULES", std::to_string(outcome.rules)},
              {"GPAUDIT_RULES_ADDED", std::to_string(added)},
              {"GPAUDIT_RULES_REMOVED", std::to_string(removed)}});
    std::uint64_t delay = 0;
    const std::vector<Field> fields = {{"GPAUDIT_RESULT", result},
                                       {"GPAUDIT_DC", outcome.record.dc},
                                       {"GPAUDIT_GPOS_APPLIED", std::to_string(outcome.gposApplied)},
                                       {"GPAUDIT_RULES", std::to_string(outcome.inForce.size())},
                                       {"GPAUDIT_RULES_ADDED", std::to_string(added)},
                                       {"GPAUDIT_RULES_REMOVED", std::to_string(removed)},
                                       {"GPAUDIT_MODE", std::string(core::modeKey(mode))}};
    if (outcome.result == core::SyncResult::Cached) {
        log_(LOG_INFO,
             mode == core::ApplyMode::Apply
                 ? "applied the cached policy of " + outcome.record.time + " (" + std::to_string(outcome.gposApplied) +
                       " GPOs, " + std::to_string(outcome.inForce.size()) + " rules) before the first sync"
                 : "the cached policy of " + outcome.record.time + " before the first sync: " +
                       std::string(core::modeName(mode)) + ", nothing sent to the kernel (" + modeReason + ")",
             kIdSyncDone, fields);
        return; // the sync timer is already due
    }
    last_ = outcome;
    if (status == kExitOk || status == cli::kExitPartial) {
        failures_ = 0;
        const auto spread = static_cast<std::uint64_t>(config_.refreshRandomDelay.count());
        delay = toUsec(config_.refreshInterval) +
                (spread ? std::uniform_int_distribution<std::uint64_t>(0, spread * 1000000u)(random_) : 0);
        const std::string effect = mode == core::ApplyMode::Apply
                                       ? std::to_string(outcome.inForce.size()) + " rules in the kernel (added " +
                                             std::to_string(added) + ", removed " + std::to_string(removed) + ")"
                                       : std::string(core::modeName(mode)) + ": " + std::to_string(outcome.rules) +
                                             " rules, nothing sent to the kernel (would add " + std::to_string(added) +
                                             ", remove " + std::to_string(removed) + "; " + modeReason + ")";
        log_(status == kExitOk ? LOG_INFO : LOG_WARNING,
             "sync " + result + ": DC " + outcome.record.dc + ", " + std::to_string(outcome.gposApplied) + " of " +
                 std::to_string(outcome.record.gpos.size()) + " GPOs applied, " + effect + " in " +
                 msText(outcome.stats.total) + " ms; next in " + spanText(delay),
             kIdSyncDone, fields);
        if (status == cli::kExitPartial) {
            lastError_ = !outcome.notes.empty() ? outcome.notes.front()
                         : !outcome.problems.empty()
                             ? outcome.problems.front().gpo.str() + ": " + outcome.problems.front().message
                             : std::string("partial");
            lastErrorTime_ = lastTime_;
        }
        for (const auto &change : outcome.policyChanges)
            log_(LOG_NOTICE, "policy changed: " + change, kIdPolicyChanged, {{"GPAUDIT_GPO", change}});
    } else {
        ++failures_;
        // Exponential backoff: retry_min, doubled per failure in a row, at most retry_max.
        auto backoff = toUsec(config_.retryMin);
        for (unsigned i = 1; i < failures_ && backoff < toUsec(config_.retryMax); ++i)
            backoff *= 2;
        delay = std::min(backoff, toUsec(config_.retryMax));
        lastError_ = status == cli::kExitLastKnownGood
                         ? "the domain could not be reached; the last-known-good policy of " + outcome.record.time +
                               " stays in force"
                         : outcome.error;
        lastErrorTime_ = lastTime_;
        log_(LOG_ERR,
             "sync " + result + ": " + lastError_ + "; retry " + std::to_string(failures_) + " in " + spanText(delay),
             kIdSyncFailed,
             {{"GPAUDIT_RESULT", result},
              {"GPAUDIT_FAILURES", std::to_string(failures_)},
              {"GPAUDIT_RETRY_USEC", std::to_string(delay)}});
    }
    nextSync_ = now() + delay;
    schedule(syncTimer_, nextSync_);
    notifyStatus();
}

void Daemon::notifyStatus() const
{
    sd_notify(0, ("STATUS=" + core::renderDaemonStatusLine(statusFacts())).c_str());
}

core::DaemonStatus Daemon::statusFacts() const
{
    const auto nowUsec = now();
    const auto ahead = [&](std::uint64_t at) {
        return std::chrono::seconds(at > nowUsec ? (at - nowUsec) / 1000000 : 0);
    };
    const auto wall = [](std::chrono::seconds in) {
        return utcText(std::time(nullptr) + static_cast<std::time_t>(in.count()));
    };
    core::DaemonStatus status;
    status.version = GPAUDIT_VERSION;
    status.pid = ::getpid();
    status.since = utcText(started_);
    status.socket = config_.socket;
    status.notJoined = notJoined_;
    status.retryMax = config_.retryMax;
    status.reportOnly = config_.guardrails.reportOnly;
    status.mode = mode_;
    status.modeReason = modeReason_;
    status.rulesFile = config_.rulesFile;
    status.guardrails = guardrailNotes_;
    status.rulesInForce = inForce_.size();
    status.syncs = syncs_;
    status.lastTime = utcText(lastTime_);
    if (last_) {
        status.last = &*last_;
        status.lastExitCode = cli::exitStatus(*last_);
    }
    if (running_ != nullptr) {
        core::DaemonStatus::Running running;
        running.since = utcText(running_->started);
        running.elapsed = std::chrono::seconds((nowUsec - running_->startedUsec) / 1000000);
        if (!running_->background)
            running.requestedBy = running_->pid;
        running.stage = progress_;
        status.running = std::move(running);
    }
    status.waiting = queued_.size();
    status.ldapSessionKept = workerLdapKept_; // kept by the sync worker (sync_worker.hxx) until idle
    status.smbKept = workerSmbKept_;
    status.nextSyncIn = ahead(nextSync_);
    status.nextSyncAt = wall(status.nextSyncIn);
    status.fullReapplyIn = ahead(nextFull_);
    status.fullReapplyAt = wall(status.fullReapplyIn);
    status.failures = failures_;
    status.lastError = lastError_;
    if (!lastError_.empty())
        status.lastErrorTime = utcText(lastErrorTime_);
    status.controlWaiting = clients_.size();
    status.controlDropped = clientsDropped_;
    status.driftRestored = driftCount_;
    status.recordsWatched = watch_.has_value();
    status.watchError = watchError_;
    status.driftCheckEvery = config_.driftCheckInterval;
    for (const auto &d : drifts_)
        status.drifts.push_back({utcText(d.time), d.missing, d.expected, d.by, d.result, d.took});
    return status;
}

std::string Daemon::statusReport(bool json) const
{
    auto status = statusFacts();
    const auto state = host::readSyncState(config_.stateDir);
    const auto kernelState = kernel::readAuditState();
    status.state = state ? &*state : nullptr;
    if (kernelState)
        status.kernel = &*kernelState;
    else
        status.kernelError = kernelState.error().message;
    return json ? core::renderDaemonStatusJson(status) : core::renderDaemonStatusText(status);
}

// At most this many connections wait for their request at a time; each has this long to send it.
constexpr std::size_t kMaxWaitingClients = 32;
constexpr std::uint64_t kRequestDeadlineUsec = 5 * 1000000ULL;

int Daemon::onControl(sd_event_source *, int fd, std::uint32_t, void *self)
{
    namespace control = host::control;
    auto &d = *static_cast<Daemon *>(self);
    for (;;) {
        host::UniqueFd client(::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!client)
            break;
        auto peer = control::peerOf(client.get());
        if (!peer || peer->uid != 0) {
            d.log_(LOG_WARNING,
                   "control: refused a client that is not root" +
                       (peer ? " (uid " + std::to_string(peer->uid) + ", pid " + std::to_string(peer->pid) + ")"
                             : std::string()));
            // Two small frames into an empty socket buffer: a non-blocking send does not wait.
            control::sendFrame(client.get(), 'e', "gpauditctl: gpauditd answers root only\n");
            control::sendFrame(client.get(), 'x', "1");
            continue;
        }
        if (d.clients_.size() >= kMaxWaitingClients) {
            ++d.clientsDropped_;
            d.log_(LOG_WARNING, "control: " + std::to_string(kMaxWaitingClients) +
                                    " connections already wait for their request; closed the one of pid " +
                                    std::to_string(peer->pid));
            control::sendFrame(client.get(), 'e',
                               "gpauditctl: gpauditd is busy: too many pending control connections\n");
            control::sendFrame(client.get(), 'x', "1");
            continue;
        }
        auto waiting = std::make_unique<Client>();
        waiting->daemon = &d;
        waiting->fd = std::move(client);
        waiting->peer = *peer;
        if (sd_event_add_io(d.event_, &waiting->io, waiting->fd.get(), EPOLLIN, onClientData, waiting.get()) < 0 ||
            sd_event_add_time(d.event_, &waiting->deadline, CLOCK_MONOTONIC, d.now() + kRequestDeadlineUsec, 0,
                              onClientDeadline, waiting.get()) < 0) {
            sd_event_source_unref(waiting->io);
            continue; // (its connection closed with it)
        }
        d.clients_.push_back(std::move(waiting));
    }
    return 0;
}

void Daemon::dropClient(Client *client)
{
    sd_event_source_unref(client->io);
    sd_event_source_unref(client->deadline);
    std::erase_if(clients_, [client](const std::unique_ptr<Client> &c) { return c.get() == client; });
}

int Daemon::onClientDeadline(sd_event_source *, std::uint64_t, void *self)
{
    auto *client = static_cast<Client *>(self);
    Daemon &d = *client->daemon;
    ++d.clientsDropped_;
    d.log_(LOG_WARNING, "control: closed the connection of pid " + std::to_string(client->peer.pid) +
                            ": no complete request within " + std::to_string(kRequestDeadlineUsec / 1000000) + " s (" +
                            std::to_string(client->buffer.size()) + " bytes received)");
    d.dropClient(client);
    return 0;
}

int Daemon::onClientData(sd_event_source *, int fd, std::uint32_t, void *self)
{
    namespace control = host::control;
    auto *client = static_cast<Client *>(self);
    Daemon &d = *client->daemon;
    char chunk[1024];
    bool closed = false;
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break; // EAGAIN: all there is for now
        if (n == 0) {
            closed = true;
            break;
        }
        client->buffer.append(chunk, static_cast<std::size_t>(n));
        if (client->buffer.size() > control::kMaxRequest + 1 || client->buffer.find('\n') != std::string::npos)
            break;
    }
    const auto newline = client->buffer.find('\n');
    if (newline == std::string::npos && client->buffer.size() > control::kMaxRequest) {
        ++d.clientsDropped_;
        control::sendFrame(fd, 'e',
                           "gpauditctl: bad request: longer than " + std::to_string(control::kMaxRequest) + " bytes\n");
        control::sendFrame(fd, 'x', std::to_string(kExitUsage));
        d.dropClient(client);
        return 0;
    }
    if (newline == std::string::npos && !closed)
        return 0; // wait for more, until the deadline
    if (newline == std::string::npos && client->buffer.empty()) {
        d.dropClient(client); // connected and left
        return 0;
    }
    // A complete request: answered now, as before (the answer's writes block, bounded by SO_SNDTIMEO).
    const std::string line = client->buffer.substr(0, newline);
    const control::Peer peer = client->peer;
    host::UniqueFd answered(::dup(fd)); // the waiting list lets go of it (status counts the others only)
    d.dropClient(client);
    if (!answered)
        return 0;
    ::fcntl(answered.get(), F_SETFL, ::fcntl(answered.get(), F_GETFL) & ~O_NONBLOCK);
    d.serve(std::move(answered), peer, line);
    return 0;
}

void Daemon::serve(host::UniqueFd connection, const host::control::Peer &peer, const std::string &line)
{
    namespace control = host::control;
    const int fd = connection.get(); // closed on return, or kept by the sync it asks for
    timeval timeout{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    auto reply = [&](const std::string &error, int status) {
        control::sendFrame(fd, 'e', "gpauditctl: " + error + "\n");
        control::sendFrame(fd, 'x', std::to_string(status));
    };
    // The command and its flags, validated by the pure core (core/base/control_request, unit tested).
    auto request = core::parseControlRequest(line);
    if (!request)
        return reply((core::splitControlRequest(line) ? "" : "bad request: ") + request.error().str(), kExitUsage);
    using Command = core::ControlRequest::Command;
    bool clientGone = false;
    cli::Sink sink{[&](std::string_view text) { clientGone = !control::sendFrame(fd, 'o', text) || clientGone; },
                   [&](std::string_view message) {
                       clientGone =
                           !control::sendFrame(fd, 'e', "gpauditctl: " + std::string(message) + "\n") || clientGone;
                   }};
    int status = kExitOk;
    if (request->command == Command::Sync) {
        log_(LOG_INFO, "control: sync requested (pid " + std::to_string(peer.pid) + ")");
        service::SyncRequest syncRequest;
        syncRequest.force = request->force;
        syncRequest.dryRun = request->dryRun;
        // Answered when the sync ends (its progress lines meanwhile); the loop goes on serving.
        if (running_ != nullptr || !queued_.empty())
            sink.err("a sync is in progress; this one follows it");
        sync(false, &syncRequest, std::move(connection), peer.pid, request->json);
        return;
    } else if (request->command == Command::Status) {
        sink.out(statusReport(request->json));
    } else {
        status =
            cli::showLastSync("gpauditd", data_, config_, host::ViewSettings{}, request->name, request->json, sink);
    }
    control::sendFrame(fd, 'x', std::to_string(status));
}

// ---------------------------------------------------------------------------------------------------

int usageError(const std::string &message)
{
    std::cerr << "gpauditd: " << message << "\nTry 'gpauditd --help'.\n";
    return kExitUsage;
}

std::optional<int> parseArguments(int argc, char **argv, Options &options)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto &arg = args[i];
        auto value = [&](std::string &target) -> bool {
            if (i + 1 >= args.size() || args[i + 1].empty())
                return false;
            target = args[++i];
            return true;
        };
        if (arg == "-h" || arg == "--help") {
            std::cout << kUsage;
            return kExitOk;
        }
        if (arg == "--version") {
            std::cout << "gpauditd " << GPAUDIT_VERSION << "\n";
            return kExitOk;
        }
        if (arg == "--foreground") {
            options.foreground = true;
        } else if (arg == "--verbose") {
            options.verbose = true;
        } else if (std::string error;
                   cli::takeConfigOption(arg, value, options.config, error) != cli::OptionMatch::NotOurs) {
            if (!error.empty())
                return usageError(error);
        } else {
            return usageError(arg[0] == '-' ? "unknown option " + arg : "unexpected argument \"" + arg + "\"");
        }
    }
    return std::nullopt;
}

// Detaches (without --foreground): the parent returns once the child is ready, with the child's
// start error if it has one, so `gpauditd && gpauditctl status` works from a shell or an init script.
int detach(host::UniqueFd &readyFd)
{
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) {
        std::perror("gpauditd: pipe");
        return kExitFailure;
    }
    host::UniqueFd readEnd(pipeFds[0]);
    host::UniqueFd writeEnd(pipeFds[1]);
    const pid_t child = ::fork();
    if (child < 0) {
        std::perror("gpauditd: fork");
        return kExitFailure;
    }
    if (child > 0) {
        writeEnd.reset();
        std::string message;
        char buffer[512];
        ssize_t n = 0;
        while ((n = ::read(readEnd.get(), buffer, sizeof buffer)) > 0)
            message.append(buffer, static_cast<std::size_t>(n));
        if (message == "ready")
            return kExitOk;
        std::cerr << (message.empty() ? std::string("gpauditd: the daemon exited during start\n") : message);
        return kExitFailure;
    }
    readEnd.reset();
    ::setsid();
    if (::fork() > 0)
        ::_exit(0);
    readyFd = std::move(writeEnd);
    return -1; // the daemon goes on
}

} // namespace

int main(int argc, char **argv)
{
    const gpaudit::daemon::SafeConsole console; // no control character reaches the terminal (issue 11)
    Options options;
    if (auto exitCode = parseArguments(argc, argv, options))
        return *exitCode;
    auto config = cli::loadConfig(options.config);
    if (!config) {
        std::cerr << "gpauditd: " << config.error().str() << "\n";
        return kExitFailure;
    }
    auto data = host::loadRulesData("");
    if (!data) {
        std::cerr << "gpauditd: rules data: " << data.error().str() << "\n";
        return kExitFailure;
    }
    Log log;
    log.verbose = options.verbose;
    const bool journal = ::access("/run/systemd/journal/socket", W_OK) == 0;
    host::UniqueFd readyFd; // the parent waits for "ready" or the start error on it (detach)
    if (options.foreground) {
        // Under systemd stderr goes to the journal anyway: write there directly, with the fields.
        log.target = journal && std::getenv("JOURNAL_STREAM") != nullptr ? LogTarget::Journal : LogTarget::Stderr;
    } else {
        if (int status = detach(readyFd); status >= 0)
            return status;
        log.target = journal ? LogTarget::Journal : LogTarget::Syslog;
        ::openlog("gpauditd", LOG_PID, LOG_DAEMON);
    }
    auto fail = [&](const std::string &message) {
        if (readyFd) {
            const std::string text = "gpauditd: " + message + "\n";
            [[maybe_unused]] auto n = ::write(readyFd.get(), text.data(), text.size());
        } else {
            std::cerr << "gpauditd: " << message << "\n";
        }
        return kExitFailure;
    };
    Daemon daemon(options, *config, std::move(*data), log);
    if (auto started = daemon.start(); !started)
        return fail(started.error().str());
    if (readyFd) {
        [[maybe_unused]] auto n = ::write(readyFd.get(), "ready", 5);
        readyFd.reset();
        if (const host::UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC)); null) {
            ::dup2(null.get(), STDIN_FILENO);
            ::dup2(null.get(), STDOUT_FILENO);
            ::dup2(null.get(), STDERR_FILENO);
        }
    }
    return daemon.run();
}
