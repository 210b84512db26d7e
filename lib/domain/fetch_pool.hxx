// SPDX-License-Identifier: GPL-2.0-or-later
// SYSVOL files read concurrently by worker processes. libsmbclient is not thread-safe, even with one
// context per thread (a process-wide talloc stack and loadparm), and has no asynchronous or compound
// call: one process reads one file at a time, four SMB2 round trips each (CREATE, READ, the READ that
// meets the end of the file, CLOSE). So a sync with many files to fetch starts a few workers: copies of
// the program itself (argv only, no shell: FetchSettings::command, /proc/self/exe --smb-fetch-worker),
// each with its own libsmbclient context and SMB session (Kerberos from the same machine ccache,
// KRB5CCNAME inherited; the same private smb.conf: signing required, no NTLM) and the same reader
// (domain/smb.hxx SmbReader), fed URLs over a socket and answering with the file, its absence or the
// reader's error, in frames bounded by core/base/fetch_frame.hxx.
// A worker that dies, hangs past the timeout or breaks the protocol is stopped and its unanswered URLs
// are left to the caller (service/domain_sync reads them itself, in process): the answers are the same
// either way, and nothing is applied before every file is in.
#pragma once

#include "core/base/result.hxx"
#include "domain/smb.hxx"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::domain {

// The argument after the program that makes gpauditd and gpauditctl a fetch worker (daemon/).
inline constexpr std::string_view kFetchWorkerArgument = "--smb-fetch-worker";

struct FetchSettings {
    // The program and its first arguments; the worker's own (private directory, timeout, maximum file
    // size) are appended. Empty: no workers (every file read in process).
    std::vector<std::string> command;
    std::string privateDir; // SmbReader::create's (the state directory)
    unsigned timeoutSeconds = 0;
    std::size_t maxSize = 0; // max_file_size: a larger file is the reader's error, as in process
    bool operator==(const FetchSettings &) const = default;
};

// One file's answer, as SmbReader::read gives it.
using FetchAnswer = Result<std::optional<std::string>>;

class FetchPool {
  public:
    // At most this many workers: each is an SMB session on the DC and a process of 10-15 MiB (RSS)
    // while it lives; four already keep this 2-core lab's DC busy (README, scale lab figures).
    static constexpr std::size_t kMaxWorkers = 4;

    // Starts min(workers, kMaxWorkers) workers; an error only when not one could be started.
    static Result<FetchPool> start(const FetchSettings &settings, std::size_t workers);
    FetchPool(FetchPool &&) noexcept;
    FetchPool &operator=(FetchPool &&) noexcept;
    FetchPool(const FetchPool &) = delete;
    FetchPool &operator=(const FetchPool &) = delete;
    // Closes each worker's socket (it ends at the end of its input) and waits for it; one still
    // running after 2 s is killed.
    ~FetchPool();

    struct Batch {
        // In the order of the URLs; nullopt: not answered (its worker was lost), for the caller to read.
        std::vector<std::optional<FetchAnswer>> answers;
        std::size_t files = 0;      // files read (answered with content)
        std::size_t bytes = 0;      // their bytes
        std::size_t reconnects = 0; // answers after a dropped SMB session was made again
        std::string lost;           // why a worker was lost (the last one), empty when none was
    };
    // Each URL to the next free worker (two in flight per worker). A worker is lost when it ends, breaks
    // the protocol, or gives no answer for twice the timeout (a read may reconnect once); it is stopped.
    // local, when given, reads a URL in the caller's process: the caller takes the next URL itself
    // whenever no answer is waiting, from the start (while the workers load libsmbclient and open their
    // sessions) to the last URL, so a pool is never slower than reading alone by more than the CPU its
    // workers take.
    using LocalRead = std::function<FetchAnswer(const std::string &url)>;
    Batch readAll(const std::vector<std::string> &urls, const LocalRead &local = {});

    // Takes the other pool's workers (started with the same settings) into this one.
    void adopt(FetchPool &&other);
    // Workers alive (lost ones are gone after readAll).
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] const FetchSettings &settings() const { return settings_; }

  private:
    struct Worker;
    FetchPool() = default;
    FetchSettings settings_;
    std::vector<std::unique_ptr<Worker>> workers_;
};

// The worker's side (run by the programs when started with kFetchWorkerArgument): answers requests on
// descriptor 3 until the other end closes it; the arguments are those FetchPool appends (private
// directory, timeout in seconds, maximum file size). Descriptors above 3 are closed first. Writes
// nothing else anywhere (standard output is /dev/null; Samba's messages go to standard error).
Result<void> serveFetchWorker(const std::vector<std::string> &arguments);

} // namespace gpaudit::domain
