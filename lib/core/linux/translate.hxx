// SPDX-License-Identifier: GPL-2.0-or-later
// Resultant policy -> Linux audit rules. Pure and deterministic: the same inputs give the same rules.
#pragma once

#include "core/base/limits.hxx"
#include "core/linux/mapping.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"

#include <optional>
#include <string>
#include <vector>

namespace gpaudit::core {

// SID -> uid/gid, provided by an adapter (SSSD, winbind) or by tests.
struct SidResolution {
    enum class Kind { User, Group } kind = Kind::User;
    std::uint32_t id = 0;
};
class SidResolver {
  public:
    virtual ~SidResolver() = default;
    [[nodiscard]] virtual std::optional<SidResolution> resolve(const Sid &sid) const = 0;
    // Who answers ("sssd", "winbind", "the SID map FILE"), for the notes of SIDs it does not know.
    [[nodiscard]] virtual std::string source() const { return {}; }
};

// Tells whether a watch can be placed: the kernel refuses -F dir= on a missing directory and
// -F path= whose parent directory is missing (ENOENT). Provided by the program; tests fake it.
class HostProbe {
  public:
    virtual ~HostProbe() = default;
    [[nodiscard]] virtual bool directoryExists(const std::string &path) const = 0;
    // Every file and directory below dir (not following symbolic links), sorted; nullopt when there
    // are more than limit or the tree cannot be read. Lets a directory watch become file watches.
    [[nodiscard]] virtual std::optional<std::vector<std::string>> listTree(const std::string &dir,
                                                                           std::size_t limit) const
    {
        (void)dir;
        (void)limit;
        return std::nullopt;
    }
};

// A directory watch with at most this many entries becomes file watches (see translate()).
inline constexpr std::size_t kMaxExpandedWatches = 256;

struct TranslateOptions {
    std::string machine = "x86_64";           // a platform of rules/syscalls.yaml
    std::uint32_t uidMin = 1000;              // ${UID_MIN}
    std::vector<std::string> saclDirectories; // scope for FileGlobalSacl ACEs; empty = every file
    const SidResolver *resolver = nullptr;    // none: per-user rows and SID trustees are unresolved
    const HostProbe *probe = nullptr;         // none: every watch is emitted
    // More rules than this (after merging) refuse the policy as a whole (max_rules, gpauditd.conf(5)).
    std::size_t maxRules = PolicyLimits{}.maxRules;
};

struct AuditRule {
    enum class List { Exit, User, Exclude, Task }; // Task: only for tools (never,task), never in a policy
    enum class Action { Always, Never };
    List list = List::Exit;
    Action action = Action::Always;
    std::string arch;                  // "b64"/"b32", or empty (file watches, user/exclude rules)
    std::vector<std::string> syscalls; // sorted; empty = no -S (file watch, user/exclude rules)
    std::vector<FieldSpec> fields;     // in rendering order
    std::vector<std::string> keys;     // subcategory slugs, catalog order

    // Exit rules carry keys; user/exclude rules cannot (keys then only name the owning subcategories).
    [[nodiscard]] std::string keyText() const; // kernel key: "gpaudit-a" or "gpaudit-a\x01gpaudit-b"
    [[nodiscard]] bool isWatch() const;        // -F path= (inode hash, no per-syscall cost)
    // auditctl syntax, e.g. "-a always,exit -F arch=b64 -S execve,execveat -F success=1 -k gpaudit-process-creation"
    [[nodiscard]] std::string render() const;
    bool operator==(const AuditRule &) const = default;
};

struct StatusSetting {
    char flag = 'f'; // auditctl -f (failure mode), -b (backlog), -r (rate)
    std::uint32_t value = 0;
    std::string reason; // which option asked for it
};

struct TranslationNote {
    std::string subcategory; // slug, or empty for policy-wide notes
    std::string message;
};

struct Translation {
    std::vector<StatusSetting> status;
    std::vector<AuditRule> rules; // in load order
    std::vector<TranslationNote> notes;
    std::size_t exitRuleCount() const;
};

inline constexpr std::string_view kKeyPrefix = "gpaudit-";
inline constexpr std::size_t kMaxKeyLength = 256; // AUDIT_MAX_KEY_LEN

// Directory watches (-F dir=, a tree on the exit list) cost every syscall of every audited process and
// make every path lookup collect tree references. With a host probe, a watched directory of at most
// kMaxExpandedWatches entries becomes file watches instead (the kernel's inode hash: no per-syscall
// cost): one on the directory itself, which records every create, delete and rename in it, and one on
// each entry. A file created afterwards is covered for in-place writes from the next apply.
// Per-user exclusions (MS-GPAC 2.2.1.3.2) narrow only our own rules (-F auid!=UID). An error, and no
// rules, when the policy needs more than options.maxRules rules or a rule more fields than the kernel
// accepts (kMaxRuleFields); the work stops at that point.
Result<Translation> translate(const Catalog &catalog, const Mapping &mapping, const Resultant &resultant,
                              const TranslateOptions &options);

// The rules file: a comment header, status lines, one rule per line. Loadable with `auditctl -R`.
std::string renderRulesFile(const Translation &translation, const std::vector<std::string> &headerComments);

// Access mask -> -F perm letters (mapping.md "Global SACL"); empty when no bit has a Linux meaning.
std::string permFromAccessMask(std::uint32_t mask);

} // namespace gpaudit::core
