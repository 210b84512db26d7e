// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditd's sync thread: the network half of a sync (Kerberos, DNS, LDAP, SMB: service::fetchSync) runs
// here, off the sd-event loop, which meanwhile restores drift and answers the control socket; the loop
// then applies the result (service::completeSync) itself.
//
// A thread and not a child process, because:
// - the kept sessions (domain::DomainSession: the LDAP session bound with GSSAPI, the libsmbclient
//   context and its SMB sessions) must outlive a sync; a child per sync would lose them (a bind and
//   an SMB session set-up per refresh), and a long-lived child would be a second daemon to supervise
//   and a protocol to carry a DomainPolicy (GPO files, records) across a pipe.
// - thread safety holds by construction: one thread (ended once idle, endThread, with the kept
//   sessions given back; made again by the next sync) is the only caller of libldap, libsmbclient and
//   libkrb5 for syncs (a libsmbclient context and an LDAP
//   handle are used from one thread, never two at once; MIT's gss_krb5_ccache_name is per thread, and
//   it is this thread's). The loop only reads files and talks netlink. KRB5CCNAME, which
//   libsmbclient needs (domain/smb.hxx), is set before the thread exists, and never again.
// - the kernel apply stays on the loop (completeSync), so it is serialized with the drift restore
//   without a lock, and the CONFIG_CHANGE records our own apply causes are drained before the next
//   drift check, as before.
// - memory: the thread itself costs its touched stack pages (it is made at the first sync). What it
//   keeps is the price of the kept sessions: once a GPO file was read over SMB, libsmbclient (loaded
//   at the first read, domain/smb.cxx) stays mapped with its context for the next reads
//   (tests/integration/daemon-slowdc.sh prints RSS and PSS after a forced fetch). A child process
//   per sync would give that back after each sync, at the cost of a bind and an SMB session set-up per
//   refresh; an idle daemon whose syncs found nothing changed never loads libsmbclient either way.
// What a thread does not give: crash isolation. A crash in libsmbclient or libldap ends gpauditd;
// systemd restarts it (Restart=on-failure) and it applies the cached policy again at start before any
// network, so the kernel keeps the policy meanwhile (the rules stay when the process dies).
#pragma once

#include "host/files/unique_fd.hxx"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace gpaudit::daemon {

class SyncWorker {
  public:
    SyncWorker() : done_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
    ~SyncWorker()
    {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_one();
        if (thread_.joinable())
            thread_.join();
    }
    SyncWorker(const SyncWorker &) = delete;
    SyncWorker &operator=(const SyncWorker &) = delete;

    // Readable when a job has finished (the loop watches it; finished() reads it).
    [[nodiscard]] int fd() const { return done_.get(); }
    [[nodiscard]] bool valid() const { return done_.valid(); }
    [[nodiscard]] bool busy() const { return busy_; } // loop thread only

    // Runs `job` on the sync thread (made at the first call). One job at a time: the caller (the loop)
    // waits for finished() before the next.
    void run(std::function<void()> job)
    {
        busy_ = true;
        {
            std::lock_guard lock(mutex_);
            job_ = std::move(job);
        }
        if (!thread_.joinable())
            thread_ = std::thread([this] { loop(); });
        wake_.notify_one();
    }

    // Ends the sync thread while it has no job (gpauditd, idle, with the kept sessions given back): the
    // pages its stack touched go back (glibc gives a finished thread's stack back with MADV_DONTNEED)
    // and its thread-local state with it (libkrb5's, GSSAPI's); the next run() makes a new thread. Loop
    // thread only; nothing while busy(). True when a thread ended.
    bool endThread()
    {
        if (busy_ || !thread_.joinable())
            return false;
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_one();
        thread_.join();
        stop_ = false;
        return true;
    }

    // The loop, when fd() is readable: true when the job has finished (its results are the loop's now).
    bool finished()
    {
        std::uint64_t count = 0;
        [[maybe_unused]] auto n = ::read(done_.get(), &count, sizeof count);
        std::lock_guard lock(mutex_);
        if (!finished_)
            return false;
        finished_ = false;
        busy_ = false;
        return true;
    }

  private:
    void loop()
    {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stop_ || job_; });
                if (stop_)
                    return;
                job = std::move(job_);
                job_ = nullptr;
            }
            job();
            {
                std::lock_guard lock(mutex_); // what the job wrote happens before finished() returns true
                finished_ = true;
            }
            const std::uint64_t one = 1;
            [[maybe_unused]] auto n = ::write(done_.get(), &one, sizeof one);
        }
    }

    host::UniqueFd done_;
    bool busy_ = false;
    bool stop_ = false;
    bool finished_ = false;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::function<void()> job_;
    std::thread thread_;
};

} // namespace gpaudit::daemon
