// SPDX-License-Identifier: GPL-2.0-or-later
#include "auditlog/executables.hxx"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <nettle/sha2.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gpaudit::auditlog {

namespace {

struct Fd {
    int fd = -1;
    explicit Fd(int value) : fd(value) {}
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
};

std::string toHex(const std::uint8_t *bytes, std::size_t size)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(size * 2, '0');
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = kDigits[bytes[i] >> 4];
        out[2 * i + 1] = kDigits[bytes[i] & 0xf];
    }
    return out;
}

Result<std::string> sha256Fd(int fd, const std::string &path, std::uint64_t maxBytes)
{
    sha256_ctx ctx;
    sha256_init(&ctx);
    std::vector<std::uint8_t> buffer(1 << 16);
    std::uint64_t total = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(std::string("cannot read: ") + std::strerror(errno), {path});
        if (n == 0)
            break;
        total += static_cast<std::uint64_t>(n);
        if (total > maxBytes)
            return fail("larger than " + std::to_string(maxBytes) + " bytes", {path});
        sha256_update(&ctx, static_cast<std::size_t>(n), buffer.data());
    }
    std::uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    return toHex(digest, sizeof digest);
}

} // namespace

Result<std::string> sha256File(const std::string &path, std::uint64_t maxBytes)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
    if (fd.fd < 0)
        return fail(std::string("cannot open: ") + std::strerror(errno), {path});
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode))
        return fail("not a regular file", {path});
    return sha256Fd(fd.fd, path, maxBytes);
}

Result<ScanStats> scanExecutables(const std::string &root, core::events::Whitelist &into, std::size_t maxFiles)
{
    namespace fs = std::filesystem;
    ScanStats stats;
    struct stat rootStat {};
    if (::stat(root.c_str(), &rootStat) != 0)
        return fail(std::string("cannot scan: ") + std::strerror(errno), {root});
    if (!S_ISDIR(rootStat.st_mode)) {
        auto hash = sha256File(root);
        if (!hash)
            return fail(hash.error().message, {root});
        into.add(fs::absolute(root).lexically_normal().string(), *hash);
        stats.files = 1;
        return stats;
    }
    std::error_code ec;
    fs::recursive_directory_iterator it(fs::absolute(root), fs::directory_options::skip_permission_denied, ec);
    if (ec)
        return fail("cannot scan: " + ec.message(), {root});
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            ec.clear();
            continue;
        }
        const auto &path = it->path();
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != rootStat.st_dev)
                it.disable_recursion_pending(); // -xdev
            continue;
        }
        if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
            continue;
        if (stats.files >= maxFiles)
            return fail("more than " + std::to_string(maxFiles) + " executables", {root});
        auto hash = sha256File(path.string());
        if (!hash) {
            ++stats.skipped;
            if (stats.problems.size() < 100)
                stats.problems.push_back(hash.error().str());
            continue;
        }
        into.add(path.lexically_normal().string(), *hash);
        ++stats.files;
    }
    return stats;
}

core::events::Content ContentOfExec::operator()(const core::events::AuditEvent &event)
{
    // The kernel's exe= is resolved (no symbolic links), so O_NOFOLLOW refuses nothing legitimate.
    return contentOf(event.exe, event);
}

std::optional<std::pair<std::string, core::events::Content>>
ContentOfExec::script(const core::events::AuditEvent &event)
{
    if (event.paths.empty() || event.pathInodes.empty() || event.pathInodes[0] == 0 || event.paths[0] == event.exe)
        return std::nullopt;
    struct stat exe {};
    if (::stat(event.exe.c_str(), &exe) != 0 || static_cast<std::uint64_t>(exe.st_ino) == event.pathInodes[0])
        return std::nullopt; // a binary named through a symbolic link (/bin/sh -> dash): the same file
    // PATH item 0 is the name the caller gave; its last component may be a symbolic link (a script
    // installed as a link): resolve it, as the kernel did when it opened the file.
    std::error_code ec;
    const auto resolved = std::filesystem::canonical(event.paths[0], ec);
    if (ec)
        return std::make_pair(event.paths[0], core::events::Content{std::nullopt, "cannot open: " + ec.message()});
    return std::make_pair(resolved.string(), contentOf(resolved.string(), event));
}

core::events::Content ContentOfExec::contentOf(const std::string &path, const core::events::AuditEvent &event)
{
    core::events::Content content;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
    struct stat st {};
    if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0) {
        content.why = std::string("cannot open: ") + std::strerror(errno);
        return content;
    }
    if (!S_ISREG(st.st_mode)) {
        content.why = "not a regular file";
        return content;
    }
    const auto &inodes = event.pathInodes;
    if (std::find(inodes.begin(), inodes.end(), static_cast<std::uint64_t>(st.st_ino)) == inodes.end()) {
        content.why = "the file was replaced since the exec (its inode is not the record's)";
        return content;
    }
    // Written in place after the exec (cp over it keeps the inode): its content now is not what ran.
    if (static_cast<std::int64_t>(st.st_ctim.tv_sec) > event.seconds) {
        content.why = "the file changed since the exec (its ctime is later)";
        return content;
    }
    const Key key{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                  static_cast<std::uint64_t>(st.st_size),
                  static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
    if (auto it = cache_.find(key); it != cache_.end())
        return it->second;
    auto hash = sha256Fd(fd.fd, path, 1ULL << 32);
    if (hash)
        content.sha256 = *hash;
    else
        content.why = hash.error().message;
    if (cache_.size() >= 65536)
        cache_.clear();
    cache_.emplace(key, content);
    return content;
}

} // namespace gpaudit::auditlog
