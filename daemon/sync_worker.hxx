// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditd's sync worker: the network half of a sync (Kerberos, DNS, LDAP, SMB: service/fetch.hxx
// fetchSync) runs in a child process, `gpauditctl --sync-worker`, started at the first sync and ended
// once no sync came for a while (gpauditd's idle timer); meanwhile the daemon's sd-event loop restores
// drift and answers the control socket, and applies each fetched policy itself (service::completeSync).
//
// A process and not a thread (it was a thread until issue 13's memory figure), because:
// - memory: gpauditd itself never links libkrb5, libldap, GSSAPI, SASL or GnuTLS, nor loads
//   libsmbclient; only the worker maps them, and they all go when it ends. Idle, the daemon holds its
//   loop, the policy in force and libaudit (tests/bench/issue13-figures.sh prints its PSS).
// - the kept sessions (domain::DomainSession: the LDAP session bound with GSSAPI, the libsmbclient
//   context) live in the worker, as they lived on the thread: a burst of syncs (gpauditctl sync, a
//   full reapply) reuses them; idle, the daemon ends the worker, which closes them (an AD DC closes an
//   idle LDAP connection after MaxConnIdleTime, 900 s, anyway).
// - isolation: what parses the domain's LDAP answers and speaks SMB runs in another address space; a
//   crash there fails one sync (the daemon says so and starts a new worker for the next one) and the
//   kernel keeps the policy in force. The loop never waits for the network: only for the worker's
//   frames, read as they come.
// - no threads left in gpauditd: libkrb5's per-thread state, setenv(KRB5CCNAME) and a second malloc
//   arena are the worker's business (it sets KRB5CCNAME before any library reads it).
// What it costs: one process start (about 2 ms) at the first sync after an idle period, and the
// fetched files copied once over a socket (service/sync_wire.hxx; kilobytes for a real policy).
//
// The executable is opened when gpauditd starts and started from that descriptor: the same build as
// the daemon that asks, even after an upgrade replaced the file (the package restarts gpauditd then).
// The state lock stays with the daemon (taken on the loop before the request, released by the apply):
// the worker never takes it, so a drift restore during a fetch never waits for the worker.
#pragma once

#include "core/base/result.hxx"
#include "host/files/unique_fd.hxx"
#include "service/sync_wire.hxx"

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace gpaudit::daemon {

inline constexpr std::string_view kSyncWorkerArgument = "--sync-worker";
// The worker's end of the socket is its descriptor 3 (0 and 1 are /dev/null, 2 is gpauditd's stderr).
inline constexpr int kSyncWorkerFd = 3;
// The largest frame either side accepts: a result carries every GPO's files (at most max_file_size
// each, three per GPO); a request, the configuration.
inline constexpr std::size_t kMaxWorkerFrame = std::size_t{512} << 20;

class SyncWorker {
  public:
    SyncWorker() = default;
    ~SyncWorker() { end(); }
    SyncWorker(const SyncWorker &) = delete;
    SyncWorker &operator=(const SyncWorker &) = delete;

    // Opens the program the worker runs (gpauditctl beside gpauditd): an error names the path.
    Result<void> open(const std::string &program);
    [[nodiscard]] const std::string &program() const { return program_; }

    // The socket to watch while a worker runs (-1 when none runs), and its process.
    [[nodiscard]] int fd() const { return socket_.valid() ? socket_.get() : -1; }
    [[nodiscard]] pid_t pid() const { return pid_; }
    [[nodiscard]] bool running() const { return pid_ > 0; }

    // Sends a request, starting the worker first when none runs. An error: the worker could not be
    // started or does not read (it is ended).
    Result<void> send(const service::WorkerRequest &request);

    // When fd() is readable: the frames that arrived complete. An error when the worker is lost (it
    // ended, closed the socket, or wrote a frame out of protocol); it is ended then, with how it ended
    // in the error.
    Result<std::vector<service::WireFrame>> receive();

    // Ends the worker (it exits when its socket closes; `now`: SIGKILL, for a worker in the middle of a
    // fetch nobody waits for) and reaps it. Nothing when none runs. Returns how it ended ("exited 0",
    // "was killed by signal 9 (KILL)"), empty when none ran.
    std::string end(bool now = false);

  private:
    Result<void> start();

    std::string program_;
    host::UniqueFd executable_; // opened at open(), executed through /proc/self/fd
    host::UniqueFd socket_;
    pid_t pid_ = -1;
    service::WireFrameReader reader_{kMaxWorkerFrame};
};

// The worker's side: `gpauditctl --sync-worker` serves requests on descriptor 3 until it closes.
// The exit status when started so, else -1 (main goes on).
int runAsSyncWorker(int argc, char **argv);

} // namespace gpaudit::daemon
