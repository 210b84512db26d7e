// SPDX-License-Identifier: GPL-2.0-or-later
// "First-seen executables" (seed 001): every program a 4688 shows is compared with a whitelist of known
// executables, and the first run of each one that is not on it is reported. The seed's caveat is that a
// whitelist of names misses "an existing executable replaced with a new program with the same name and
// path"; this one is keyed on the path AND the content (SHA-256), so a replaced executable is flagged
// too, and a known program copied to a new place is recognised as what it is.
//
// The whitelist's text is sha256sum's (coreutils) output, one "HEX  PATH" line per file, so
// `sha256sum -c` verifies it and lists made by other tools (or `find / -xdev -type f -perm /111 -exec
// sha256sum {} +`) load as they are; `#` lines are comments. Per host, per golden host or per estate is
// a matter of which lists are loaded: a host's own scan, a copy of a golden host's, or several hosts'
// (the union). Pure: text in, verdicts out; the hashing is the host adapter's (auditlog/executables).
#pragma once

#include "core/base/result.hxx"
#include "core/events/event.hxx"
#include "core/events/tracking.hxx"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gpaudit::core::events {

struct WhitelistLimits {
    std::size_t maxEntries = 4'000'000;
    std::size_t maxLine = 8192;
};

class Whitelist {
  public:
    // Adds the lines of one list (sha256sum format). An error names the source and the line; nothing of
    // that text is added then.
    Result<std::size_t> load(std::string_view text, const std::string &source, const WhitelistLimits &limits = {});
    void add(const std::string &path, const std::string &sha256); // lower-case hex
    [[nodiscard]] std::size_t size() const { return entries_; }

    // The hashes listed for a path (a union of lists may know several versions of one path).
    [[nodiscard]] const std::set<std::string> *hashesOf(std::string_view path) const;
    // A path listed with this content, the first in order; nullptr when the content is unknown.
    [[nodiscard]] const std::string *pathWith(std::string_view sha256) const;

    // sha256sum's format, sorted by path: "HEX  PATH\n" (a path with a backslash or a line break is
    // written as sha256sum does: a leading backslash and \\ / \n inside).
    [[nodiscard]] std::string text() const;

  private:
    std::map<std::string, std::set<std::string>, std::less<>> byPath_;
    std::unordered_map<std::string, std::string> byHash_; // sha256 -> first path
    std::size_t entries_ = 0;
};

// What the whitelist says about one run of a program.
enum class Verdict {
    Known,        // the path is listed with this content
    NewPath,      // the path is not listed (copiedFrom: a listed path with the same content)
    Replaced,     // the path is listed, with other content: the executable was replaced
    Unverifiable, // the content at the exec is unknown (file gone, unreadable, or replaced since)
};
std::string_view verdictName(Verdict verdict); // "known", "new-path", "replaced", "unverifiable"

// The content of a run's executable as the adapter found it.
struct Content {
    std::optional<std::string> sha256; // nullopt: could not be established
    std::string why;                   // when not: "no such file", "changed since the exec (inode)"...
};

struct FirstSeen {
    std::string path;
    std::optional<std::string> sha256;
    Verdict verdict = Verdict::NewPath;
    std::string why;              // Unverifiable: the adapter's reason
    std::string copiedFrom;       // NewPath: a listed path with the same content
    std::set<std::string> listed; // Replaced: the contents the whitelist has for the path
    ProcessImage first;           // the first run (creator, session, time)
    std::size_t runs = 1;         // runs of this (path, content) in the range, counted until finish()
};

// Streams execve events; returns the first run of each (path, content) that is not Known, once. At most
// maxDistinct (path, content) pairs are remembered (then `saturated()`: later first runs may repeat).
class FirstSeenTracker {
  public:
    FirstSeenTracker(const Whitelist &whitelist, std::size_t maxDistinct = 1U << 18)
        : whitelist_(whitelist), maxDistinct_(maxDistinct)
    {
    }
    // content: what the adapter found for event.exe. Returns the verdict of a first run not Known.
    std::optional<FirstSeen> feed(const AuditEvent &event, const Content &content);
    // The same for another program of the exec: a script (PATH item 0) run by its interpreter (exe=).
    std::optional<FirstSeen> feed(const AuditEvent &event, const std::string &program, const Content &content);
    // The flagged programs with their run counts, in first-run order.
    [[nodiscard]] std::vector<FirstSeen> flagged() const;
    [[nodiscard]] bool saturated() const { return saturated_; }
    [[nodiscard]] std::size_t knownRuns() const { return knownRuns_; }

  private:
    const Whitelist &whitelist_;
    std::size_t maxDistinct_;
    std::map<std::pair<std::string, std::string>, std::size_t> seen_; // (path, sha256 or "") -> flagged_ index
    std::vector<FirstSeen> flagged_;
    std::size_t knownRuns_ = 0;
    bool saturated_ = false;
};

// Decides the verdict of one run (exposed for tests).
FirstSeen judge(const Whitelist &whitelist, const std::string &path, const Content &content);

[[nodiscard]] bool isSha256Hex(std::string_view text);

} // namespace gpaudit::core::events
