// SPDX-License-Identifier: GPL-2.0-or-later
// Local file access for the offline paths: bounded reads and GPO folder discovery.
#pragma once

#include "core/base/result.hxx"
#include "core/gpclient/gpo_list.hxx"
#include "core/linux/translate.hxx"
#include "core/policy/merge.hxx"
#include "host/files/unique_fd.hxx"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::host {

// Policy files are small (a full audit.csv is ~8 KiB); anything larger is refused before parsing.
inline constexpr std::size_t kMaxPolicyFileSize = std::size_t{4} << 20;

// Reads a whole regular file of at most maxSize bytes. Errors name the path.
Result<std::string> readFileBounded(const std::string &path, std::size_t maxSize = kMaxPolicyFileSize);

// Resolves a relative path below base one component at a time, matching names case-insensitively
// (GPMC backups write "microsoft/windows nt", SYSVOL "Microsoft/Windows NT"). Components "." and ".."
// are refused. Returns the real path, or nullopt when a component does not exist.
std::optional<std::string> findCaseInsensitive(const std::string &base, const std::string &relative);

// A GPO folder as stored in SYSVOL ({GUID}/gpt.ini, {GUID}/Machine/...) or in a GPMC backup
// ({backup-id}/Backup.xml, {backup-id}/DomainSysvol/GPO/Machine/...).
struct GpoFolder {
    core::GpoRef gpo;
    std::string machineDir;                 // the Machine folder
    std::optional<std::string> auditCsv;    // Machine/Microsoft/Windows NT/Audit/audit.csv, if present
    std::optional<std::string> gptTmplInf;  // Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf, if present
    std::optional<std::string> registryPol; // Machine/Registry.pol (MS-GPREG 2.2.1), if present
    bool backup = false;
    // The GPO's registered computer extensions, from a GPMC backup's Backup.xml
    // (GroupPolicyCoreSettings/MachineExtensionGuids); nullopt when the folder carries no list (SYSVOL).
    std::optional<core::ExtensionList> extensions;
};

Result<GpoFolder> openGpoFolder(const std::string &dir);

// HostProbe over the local file system.
class LocalHostProbe final : public core::HostProbe {
  public:
    [[nodiscard]] bool directoryExists(const std::string &path) const override;
    [[nodiscard]] std::optional<std::vector<std::string>> listTree(const std::string &dir,
                                                                   std::size_t limit) const override;
};

// A fixed SID -> uid/gid table, from a file of lines "SID user UID" or "SID group GID" ('#' comments).
// For offline translation and tests; a domain member resolves through SSSD or winbind instead.
class SidMapResolver final : public core::SidResolver {
  public:
    static Result<SidMapResolver> fromFile(const std::string &path);
    [[nodiscard]] std::optional<core::SidResolution> resolve(const core::Sid &sid) const override;
    [[nodiscard]] std::string source() const override { return "the SID map " + path_; }

  private:
    std::string path_;
    std::vector<std::pair<core::Sid, core::SidResolution>> entries_;
};

} // namespace gpaudit::host

namespace gpaudit::host {

// Replaces path with content atomically: a temporary file in the same directory, fsync, rename over
// path, fsync of the directory. A reader sees the old file or the new one, never a mix; after a crash
// one of them is there. The directory is created (0755) if missing.
// Cache: no fsync (a crash may lose the file or, with it, leave it short; readers of caches check what
// they read and fetch again). One syncFileSystem() before the state that refers to cached files is
// written makes them durable together, at the cost of one flush instead of two per file.
enum class Durability { Synced, Cache };
Result<void> writeFileAtomic(const std::string &path, std::string_view content, unsigned mode = 0640,
                             Durability durability = Durability::Synced);

// syncfs(2) of the file system holding dir.
Result<void> syncFileSystem(const std::string &dir);

// Removes path; a missing file is not an error. Syncs the directory.
Result<void> removeFile(const std::string &path);

// An exclusive advisory lock (flock) on path, created 0600 when missing, held while the returned
// descriptor lives; waits for another holder. An error naming the path when it cannot be opened or locked:
// never a silent run without the lock.
Result<UniqueFd> lockFile(const std::string &path);
// The same lock without waiting: nullopt while another process holds it (gpauditd's loop, which must
// not block: it tries again on a timer).
Result<std::optional<UniqueFd>> tryLockFile(const std::string &path);

} // namespace gpaudit::host
