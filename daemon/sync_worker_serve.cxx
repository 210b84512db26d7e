// SPDX-License-Identifier: GPL-2.0-or-later
// The worker's side of gpauditd's sync worker (sync_worker.hxx): `gpauditctl --sync-worker PPID`,
// started by gpauditd only. It reads requests on descriptor 3, runs each one's fetch
// (service::fetchSync, with the LDAP and SMB sessions it keeps between requests) and writes the
// fetch's events and its result back. It never takes the state lock (the daemon holds it), never
// touches the kernel or state.yaml (the daemon applies), and exits when the socket closes.
#include "domain/kerberos.hxx"
#include "domain/session.hxx"
#include "host/files/process.hxx"
#include "service/fetch.hxx"
#include "service/sync_wire.hxx"
#include "sync_worker.hxx"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gpaudit::daemon {

namespace {

[[noreturn]] void gone()
{
    // gpauditd closed the socket (idle, stopping) or died: nothing to hand back to. _exit, not exit:
    // no destructor may block on a DC (an LDAP unbind, an SMB logoff); the DC sees the connections
    // close, the fetch workers see their sockets close and exit.
    ::_exit(0);
}

} // namespace

int runAsSyncWorker(int argc, char **argv)
{
    if (argc < 2 || argv[1] != kSyncWorkerArgument)
        return -1;
    // Ends with gpauditd, even when it is killed (no EOF is needed then). If it is already gone, the
    // parent is not the one that started this worker: stop.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (argc != 3 || std::to_string(::getppid()) != argv[2])
        return 2;
    // A kept LDAP or SMB session whose DC closed the connection is written to before it is found
    // closed: an error to handle (binding again), not a signal that ends the worker.
    (void)std::signal(SIGPIPE, SIG_IGN);
    const int fd = kSyncWorkerFd;
    domain::DomainSession session;
    service::WireFrameReader reader(kMaxWorkerFrame);
    std::string ccache; // KRB5CCNAME, set before the first fetch (this process has one thread)
    std::array<char, 65536> buffer{};
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            gone();
        reader.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        for (;;) {
            auto frame = reader.next();
            if (!frame || !*frame) {
                if (!frame)
                    gone(); // out of protocol: believe nothing more
                break;
            }
            if ((*frame)->kind != 'S')
                continue; // 'U' and the like: nothing held
            auto request = service::decodeWorkerRequest((*frame)->payload);
            if (!request)
                gone();
            service::WorkerResult result;
            result.notJoined = service::notJoinedReason(request->config);
            if (result.notJoined.empty()) {
                // libsmbclient finds the machine ticket through KRB5CCNAME only (domain/smb.hxx).
                const auto name = domain::machineCcacheName(request->config.stateDir);
                if (name != ccache) {
                    ::setenv("KRB5CCNAME", name.c_str(), 1);
                    ccache = name;
                }
                service::SyncRequest sync;
                sync.force = request->force;
                sync.dryRun = request->dryRun;
                sync.lockHeld = true; // gpauditd holds it
                sync.session = &session;
                sync.fetchWorker = {"/proc/self/exe", std::string(domain::kFetchWorkerArgument)};
                sync.program = "gpauditd";
                auto pending = service::fetchSync(request->config, sync, [](const core::SyncEvent &event) {
                    if (!host::sendAll(kSyncWorkerFd, service::encodeWireFrame('E', service::encodeSyncEvent(event))))
                        gone();
                });
                result.stage = pending->stage;
                result.policy = std::move(pending->policy);
                result.ldapKept = session.ldapKept();
                result.smbKept = session.smbKept();
            }
            if (!host::sendAll(fd, service::encodeWireFrame('R', service::encodeWorkerResult(result))))
                gone();
        }
    }
}

} // namespace gpaudit::daemon
