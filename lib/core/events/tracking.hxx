// SPDX-License-Identifier: GPL-2.0-or-later
// The process-tracking analyses of the Windows Security log (seed 001, "How to Use Process Tracking
// Events"), over Linux audit events: how long a process ran (4688 paired with 4689), which processes
// created it back to its logon session (Creator Process ID chain, then the logon event), and which
// executables run for the first time (against a whitelist; see whitelist.hxx). Pure: events in, values
// out, streaming, with bounded state.
//
// What a SIEM cannot do from Windows logs and this does: process ids are reused, so the pairing is by pid
// AND start (the creation's audit serial), checked against the creator and session of the termination;
// an exec inside a running process (the shell's `exec`) ends one image and starts the next in the same
// process, which Windows never shows; a process whose end was not recorded (killed by a signal: no
// exit_group) is told apart from one still running when the range ends.
#pragma once

#include "core/events/event.hxx"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gpaudit::core::events {

// A point of an audit stream: audit(SECONDS.MILLISECONDS:SERIAL).
struct AuditStamp {
    std::int64_t seconds = 0;
    std::uint32_t milliseconds = 0;
    std::uint64_t serial = 0;
};
AuditStamp stampOf(const AuditEvent &event);
std::string auditId(const AuditStamp &stamp); // "1796169307.150:15609", as ausearch --event takes it

// How an image (the program a process runs between one execve and the next, or its end) ended.
enum class ImageEnd {
    Exited,   // exit_group recorded (4689): status known
    Abended,  // ANOM_ABEND recorded (killed by a core-dumping signal)
    Replaced, // the same process ran execve again (exec without fork): the next image follows
    Vanished, // the pid started another program with another creator or session: this one's end was not
              // recorded (killed by a signal without a core dump, or its exit not audited); pid reused
    Running,  // no end in the range (still running, or ended after it)
    Evicted,  // dropped unfinished when more than the tracker's bound were open at once
};
std::string_view endName(ImageEnd end); // "exited", "abended", "replaced", "vanished", "running", "evicted"

struct ProcessImage {
    std::uint32_t pid = 0;
    std::uint32_t ppid = 0;
    std::uint32_t auid = kUnsetId;
    std::uint32_t ses = kUnsetId;
    std::uint32_t uid = kUnsetId;
    std::uint32_t euid = kUnsetId;
    std::string exe;
    std::vector<std::string> argv; // bounded: the first kMaxArgs arguments

    bool started = false; // its execve is in the range; false: only its end is (started before the range,
                          // or a forked child that never ran execve: exe is then the parent's program)
    AuditStamp start;
    ImageEnd end = ImageEnd::Running;
    std::optional<AuditStamp> endStamp;
    std::optional<std::int64_t> status; // exit_group's status (a0)
    std::string nextExe;                // Replaced: the program that replaced it

    static constexpr std::size_t kMaxArgs = 64;
    // Milliseconds from start to end; nullopt when either is unknown.
    [[nodiscard]] std::optional<std::int64_t> durationMs() const;
};

// Process lifetime: creations paired with terminations. Feed events in stream order; finished images are
// returned by feed(), the rest by finish() (as Running). At most maxOpen images are tracked at once: past
// that the oldest are returned as Evicted (memory bounded on any log).
class LifetimeTracker {
  public:
    explicit LifetimeTracker(std::size_t maxOpen = 1U << 20) : maxOpen_(maxOpen) {}
    std::vector<ProcessImage> feed(const AuditEvent &event);
    std::vector<ProcessImage> finish();
    [[nodiscard]] std::size_t open() const { return open_.size(); }

  private:
    void evict(std::vector<ProcessImage> &out);
    std::size_t maxOpen_;
    std::unordered_map<std::uint32_t, ProcessImage> open_;      // by pid
    std::deque<std::pair<std::uint32_t, std::uint64_t>> order_; // (pid, start serial), oldest first
};

// A logon session as the audit stream shows it: the login's records (USER_LOGIN, else USER_START) with
// the same session id (ses) as the processes.
struct LogonSession {
    std::uint32_t ses = kUnsetId;
    std::uint32_t auid = kUnsetId;
    AuditStamp stamp;
    std::string recordType; // USER_LOGIN or USER_START
    std::string account, address, remoteHost, terminal, program;
    std::optional<bool> success;
};

struct ChainLink {
    ProcessImage image;               // the latest image of the process when the chain was taken
    std::vector<std::string> earlier; // programs the same process ran before it (exec chain), oldest first
};

// The creator chain of one process: the process itself first, then its creator, and so on, until the
// first process of its logon session (the one whose creator is in another session or unknown), then the
// logon session's login event when the stream has it.
struct CreatorChain {
    std::vector<ChainLink> links;
    std::optional<std::uint32_t> missingCreator; // the chain stopped at a creator with no execve in range
    bool sessionStart = false;                   // the last link's creator is outside the session
    std::optional<LogonSession> logon;
};

// Keeps, per pid, the images of the latest process with that pid (bounded), and the logon events by
// session; chainOf() answers for a pid at the current point of the stream (so pid reuse later in the
// stream does not confuse an earlier answer: take the chain when the event of interest is fed).
class ChainTracker {
  public:
    explicit ChainTracker(std::size_t maxProcesses = 1U << 18, std::size_t maxSessions = 1U << 14)
        : maxProcesses_(maxProcesses), maxSessions_(maxSessions)
    {
    }
    void feed(const AuditEvent &event);
    [[nodiscard]] CreatorChain chainOf(std::uint32_t pid, std::size_t maxDepth = 64) const;

  private:
    struct Process {
        std::vector<ProcessImage> images; // exec chain, the current one last (at most 8)
        std::uint64_t lastSerial = 0;
    };
    std::size_t maxProcesses_, maxSessions_;
    std::unordered_map<std::uint32_t, Process> processes_;
    std::deque<std::pair<std::uint32_t, std::uint64_t>> order_; // for eviction, oldest first
    std::map<std::uint32_t, LogonSession> sessions_;
};

// The parts of an event the analyses read: a successful execve (a new image).
[[nodiscard]] bool isExec(const AuditEvent &event);
// exit_group (with its status).
[[nodiscard]] bool isExit(const AuditEvent &event);
// A login's record (USER_LOGIN, USER_START) with a session id.
[[nodiscard]] bool isLogin(const AuditEvent &event);

} // namespace gpaudit::core::events
