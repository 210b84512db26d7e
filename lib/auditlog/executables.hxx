// SPDX-License-Identifier: GPL-2.0-or-later
// The content identity of executables for the first-seen analysis (core/events/whitelist.hxx): SHA-256
// of a file's bytes (GNU Nettle, already on every host with GnuTLS, which libldap and libsmbclient use),
// a scan of directories for executable files (a whitelist from a scan), and the content of the program
// an exec record names, checked against the record's inode so that a file replaced since the exec is not
// taken for the one that ran. Reads files; returns values; never prints.
#pragma once

#include "core/base/result.hxx"
#include "core/events/event.hxx"
#include "core/events/whitelist.hxx"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gpaudit::auditlog {

// SHA-256 of a regular file, lower-case hex. The file is opened without following a final symbolic link
// (O_NOFOLLOW) and read in blocks; at most maxBytes (a larger file is an error).
Result<std::string> sha256File(const std::string &path, std::uint64_t maxBytes = 1ULL << 32);

struct ScanStats {
    std::size_t files = 0;   // executables hashed
    std::size_t skipped = 0; // unreadable or too large (listed in `problems`, bounded)
    std::vector<std::string> problems;
};

// Every regular file with an execute bit under root (not following symbolic links, not crossing into
// other file systems, like find -xdev -type f -perm /111), hashed into the whitelist. At most maxFiles.
Result<ScanStats> scanExecutables(const std::string &root, core::events::Whitelist &into,
                                  std::size_t maxFiles = 2'000'000);

// The content of an exec event's program (event.exe) as it is now, checked against the event: when the
// file's inode is none of the record's PATH inodes, or its status changed after the exec (ctime), it is
// not (or no longer) the file that ran, and the content is reported unknown. Cached by (device, inode, size,
// modification time); bounded.
class ContentOfExec {
  public:
    core::events::Content operator()(const core::events::AuditEvent &event);
    // A script the exec ran (the kernel's PATH item 0 when it is another file than exe=, the interpreter:
    // its inode is not exe's), with its content checked the same way; nullopt for a binary's exec.
    std::optional<std::pair<std::string, core::events::Content>> script(const core::events::AuditEvent &event);

  private:
    core::events::Content contentOf(const std::string &path, const core::events::AuditEvent &event);
    struct Key {
        std::uint64_t dev, ino, size;
        std::int64_t mtimeNs;
        auto operator<=>(const Key &) const = default;
    };
    std::map<Key, core::events::Content> cache_;
};

} // namespace gpaudit::auditlog
