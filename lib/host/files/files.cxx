// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/files/files.hxx"

#include "core/base/identifiers.hxx"
#include "core/base/text.hxx"
#include "host/files/unique_fd.hxx"
#include "host/files/xml.hxx"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gpaudit::host {

namespace {

struct DirCloser {
    void operator()(DIR *dir) const { ::closedir(dir); }
};

std::string baseName(std::string path)
{
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

Result<std::string> readFileBounded(const std::string &path, std::size_t maxSize)
{
    const UniqueFd owned(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!owned)
        return fail(std::string("cannot open: ") + std::strerror(errno), {path, 0, 0});
    const int fd = owned.get();
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return fail(std::string("cannot stat: ") + std::strerror(errno), {path, 0, 0});
    if (!S_ISREG(st.st_mode))
        return fail("not a regular file", {path, 0, 0});
    if (static_cast<std::size_t>(st.st_size) > maxSize)
        return fail("file is " + std::to_string(st.st_size) + " bytes, more than the limit of " +
                        std::to_string(maxSize) + " for a policy file",
                    {path, 0, 0});
    std::string data;
    data.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < data.size()) {
        const auto n = ::read(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(std::string("read error: ") + std::strerror(errno), {path, 0, 0});
        if (n == 0)
            break; // shrank while reading
        done += static_cast<std::size_t>(n);
    }
    data.resize(done);
    // Grew while reading: refuse rather than silently truncate.
    char extra = 0;
    if (::read(fd, &extra, 1) > 0)
        return fail("file changed while being read", {path, 0, 0});
    return data;
}

std::optional<std::string> findCaseInsensitive(const std::string &base, const std::string &relative)
{
    std::string current = base;
    std::size_t start = 0;
    while (start <= relative.size()) {
        const auto slash = relative.find('/', start);
        const auto component = relative.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        start = slash == std::string::npos ? relative.size() + 1 : slash + 1;
        if (component.empty())
            continue;
        if (component == "." || component == "..")
            return std::nullopt;
        std::unique_ptr<DIR, DirCloser> dir(::opendir(current.c_str()));
        if (!dir)
            return std::nullopt;
        std::string match;
        while (const dirent *entry = ::readdir(dir.get())) {
            const std::string_view name = entry->d_name;
            if (name == component) { // an exact match wins over a case-insensitive one
                match = name;
                break;
            }
            if (match.empty() && core::equalsIgnoreCase(name, component))
                match = name;
        }
        if (match.empty())
            return std::nullopt;
        current += "/" + match;
    }
    return current;
}

Result<GpoFolder> openGpoFolder(const std::string &dir)
{
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
        return fail(std::string("cannot open GPO folder: ") + std::strerror(errno), {dir, 0, 0});
    if (!S_ISDIR(st.st_mode))
        return fail("not a directory (--gpo takes a GPO folder; use --audit-csv or --inf for single files)",
                    {dir, 0, 0});
    GpoFolder folder;
    std::string root = dir;
    if (auto backupRoot = findCaseInsensitive(dir, "DomainSysvol/GPO")) {
        folder.backup = true;
        root = *backupRoot;
        // GPMC backup: the folder is named by a backup ID; the GPO's own GUID and name are in the
        // manifest (bkupInfo.xml) or in Backup.xml.
        // Both are read with a real XML parser (host/files/xml: expat, no DTD); a manifest that is not
        // well-formed is an error naming it, not a guess.
        struct Manifest {
            const char *file;
            const char *parent;
            const char *guid;
            const char *name;
        };
        for (const auto &manifest : {Manifest{"bkupInfo.xml", "BackupInst", "GPOGuid", "GPODisplayName"},
                                     Manifest{"Backup.xml", "GroupPolicyCoreSettings", "ID", "DisplayName"}}) {
            auto path = findCaseInsensitive(dir, manifest.file);
            if (!path)
                continue;
            auto bytes = readFileBounded(*path, std::size_t{16} << 20);
            if (!bytes)
                return tl::unexpected(bytes.error());
            auto text = core::decodeText(*bytes, *path);
            if (!text)
                return tl::unexpected(text.error());
            const bool backupXml = core::equalsIgnoreCase(baseName(*path), "Backup.xml");
            std::set<std::string> wanted{manifest.guid, manifest.name};
            if (backupXml)
                wanted.insert("MachineExtensionGuids");
            auto values = xmlChildTexts(text->utf8, *path, manifest.parent, wanted);
            if (!values)
                return tl::unexpected(values.error());
            auto value = [&](const char *name) -> std::optional<std::string> {
                const auto found = values->find(name);
                if (found == values->end())
                    return std::nullopt;
                return std::string(core::trim(found->second));
            };
            if (folder.gpo.guid.empty())
                if (auto guid = core::parseGuid(value(manifest.guid).value_or(""), true))
                    folder.gpo.guid = *guid;
            if (folder.gpo.name.empty())
                folder.gpo.name = value(manifest.name).value_or("");
            // Backup.xml keeps the GPC's gPCMachineExtensionNames as MachineExtensionGuids (an empty
            // element when the GPO registers none).
            if (backupXml) {
                if (auto guids = value("MachineExtensionGuids"); guids && guids->empty()) {
                    folder.extensions = core::ExtensionList{{}, "Backup.xml MachineExtensionGuids"};
                } else if (guids) {
                    auto list = core::backupExtensionList(*guids);
                    if (!list)
                        return fail(list.error().message, {*path, 0, 0});
                    folder.extensions = std::move(*list);
                }
            }
        }
    }
    auto machine = findCaseInsensitive(root, "Machine");
    if (!machine)
        return fail("not a GPO folder: no Machine folder (expected {GUID}/Machine/... as in SYSVOL, or "
                    "DomainSysvol/GPO/Machine/... as in a GPMC backup)",
                    {dir, 0, 0});
    folder.machineDir = *machine;
    if (folder.gpo.guid.empty())
        if (auto guid = core::parseGuid(baseName(dir), true))
            folder.gpo.guid = *guid;
    if (folder.gpo.name.empty()) {
        // SYSVOL's gpt.ini may carry displayName= (Windows writes it for some GPOs).
        if (auto gptIni = findCaseInsensitive(root, "gpt.ini")) {
            if (auto bytes = readFileBounded(*gptIni, std::size_t{64} << 10)) {
                if (auto text = core::decodeText(*bytes, *gptIni)) {
                    for (auto line : core::splitLines(text->utf8)) {
                        line = core::trim(line);
                        if (core::startsWithIgnoreCase(line, "displayName="))
                            folder.gpo.name = std::string(core::trim(line.substr(12)));
                    }
                }
            }
        }
    }
    if (folder.gpo.name.empty())
        folder.gpo.name = folder.gpo.guid.empty() ? dir : "";
    folder.auditCsv = findCaseInsensitive(folder.machineDir, "Microsoft/Windows NT/Audit/audit.csv");
    folder.gptTmplInf = findCaseInsensitive(folder.machineDir, "Microsoft/Windows NT/SecEdit/GptTmpl.inf");
    folder.registryPol = findCaseInsensitive(folder.machineDir, "Registry.pol");
    // `samba-tool gpo backup`: each file copied as NAME.SAMBABACKUP (beside an XML rendering), and the
    // GPC's gPCMachineExtensionNames kept in gPCMachineExtensionNames.SAMBAEXT at the top.
    if (!folder.auditCsv)
        folder.auditCsv = findCaseInsensitive(folder.machineDir, "Microsoft/Windows NT/Audit/audit.csv.SAMBABACKUP");
    if (!folder.gptTmplInf)
        folder.gptTmplInf =
            findCaseInsensitive(folder.machineDir, "Microsoft/Windows NT/SecEdit/GptTmpl.inf.SAMBABACKUP");
    if (!folder.registryPol)
        folder.registryPol = findCaseInsensitive(folder.machineDir, "Registry.pol.SAMBABACKUP");
    if (!folder.extensions) {
        if (auto sambaExt = findCaseInsensitive(root, "gPCMachineExtensionNames.SAMBAEXT")) {
            auto bytes = readFileBounded(*sambaExt, std::size_t{64} << 10);
            if (!bytes)
                return tl::unexpected(bytes.error());
            auto text = core::decodeText(*bytes, *sambaExt);
            if (!text)
                return tl::unexpected(text.error());
            auto cses = core::parseExtensionNames(text->utf8);
            if (!cses)
                return fail(cses.error().message, {*sambaExt, 0, 0});
            folder.extensions =
                core::ExtensionList{std::move(*cses), "gPCMachineExtensionNames.SAMBAEXT (samba-tool gpo backup)"};
        }
    }
    return folder;
}

bool LocalHostProbe::directoryExists(const std::string &path) const
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::vector<std::string>> LocalHostProbe::listTree(const std::string &dir, std::size_t limit) const
{
    std::vector<std::string> entries;
    std::vector<std::string> pending = {dir};
    while (!pending.empty()) {
        const auto current = pending.back();
        pending.pop_back();
        std::unique_ptr<DIR, DirCloser> handle(::opendir(current.c_str()));
        if (!handle)
            return std::nullopt;
        while (const dirent *entry = ::readdir(handle.get())) {
            const std::string_view name = entry->d_name;
            if (name == "." || name == "..")
                continue;
            const std::string path = current + "/" + std::string(name);
            // Every name is listed: whether it can be written to a rule is the translation's decision
            // (core/safe_text.hxx), which keeps a tree rule for the directory when one cannot.
            struct stat st {};
            if (::lstat(path.c_str(), &st) != 0)
                continue;
            entries.push_back(path);
            if (entries.size() > limit)
                return std::nullopt;
            if (S_ISDIR(st.st_mode))
                pending.push_back(path); // symbolic links are watched, not followed
        }
    }
    std::sort(entries.begin(), entries.end());
    return entries;
}

Result<SidMapResolver> SidMapResolver::fromFile(const std::string &path)
{
    auto bytes = readFileBounded(path, std::size_t{1} << 20);
    if (!bytes)
        return tl::unexpected(bytes.error());
    auto text = core::decodeText(*bytes, path);
    if (!text)
        return tl::unexpected(text.error());
    SidMapResolver resolver;
    resolver.path_ = path;
    const auto lines = core::splitLines(text->utf8);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto line = core::trim(lines[i]);
        if (line.empty() || line.front() == '#')
            continue;
        std::vector<std::string_view> words;
        while (!line.empty()) {
            const auto space = line.find_first_of(" \t");
            words.push_back(line.substr(0, space));
            line = space == std::string_view::npos ? std::string_view{} : core::trim(line.substr(space));
        }
        const Location where{path, static_cast<std::uint32_t>(i + 1), 0};
        auto sid = words.empty() ? std::nullopt : core::parseSid(words[0]);
        std::uint32_t id = 0;
        if (words.size() != 3 || !sid || (words[1] != "user" && words[1] != "group") ||
            !core::parseDecimal(words[2], id))
            return fail("expected \"SID user UID\" or \"SID group GID\"", where);
        resolver.entries_.push_back(
            {*sid, {words[1] == "user" ? core::SidResolution::Kind::User : core::SidResolution::Kind::Group, id}});
    }
    return resolver;
}

std::optional<core::SidResolution> SidMapResolver::resolve(const core::Sid &sid) const
{
    for (const auto &[known, resolution] : entries_)
        if (known == sid)
            return resolution;
    return std::nullopt;
}

} // namespace gpaudit::host

namespace gpaudit::host {

namespace {
std::string directoryOf(const std::string &path)
{
    const auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// fsync(2) of a directory, or syncfs(2) of the file system that holds it.
Result<void> syncAt(const std::string &dir, bool wholeFileSystem)
{
    const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return fail(std::string("cannot open directory: ") + std::strerror(errno), {dir, 0, 0});
    const int rc = wholeFileSystem ? ::syncfs(fd.get()) : ::fsync(fd.get());
    const int error = errno;
    if (rc != 0)
        return fail(std::string(wholeFileSystem ? "cannot sync the file system: " : "cannot sync directory: ") +
                        std::strerror(error),
                    {dir, 0, 0});
    return {};
}

Result<void> syncDirectory(const std::string &dir)
{
    return syncAt(dir, false);
}
} // namespace

Result<void> writeFileAtomic(const std::string &path, std::string_view content, unsigned mode, Durability durability)
{
    const auto dir = directoryOf(path);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        return fail(std::string("cannot create directory: ") + std::strerror(errno), {dir, 0, 0});
    std::string temporary = path + ".XXXXXX";
    UniqueFd owned(::mkostemp(temporary.data(), O_CLOEXEC));
    if (!owned)
        return fail(std::string("cannot create a temporary file: ") + std::strerror(errno), {path, 0, 0});
    const int fd = owned.get();
    auto cleanup = [&](const std::string &what) {
        const int error = errno;
        owned.reset();
        (void)::unlink(temporary.c_str());
        return fail(what + ": " + std::strerror(error), {path, 0, 0});
    };
    if (::fchmod(fd, mode) != 0)
        return cleanup("cannot set the mode of the temporary file");
    std::size_t done = 0;
    while (done < content.size()) {
        const auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cleanup("write error");
        done += static_cast<std::size_t>(n);
    }
    if (durability == Durability::Synced && ::fsync(fd) != 0)
        return cleanup("cannot sync");
    if (const int error = owned.close(); error != 0) {
        (void)::unlink(temporary.c_str());
        return fail(std::string("write error: ") + std::strerror(error), {path, 0, 0});
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const int error = errno;
        (void)::unlink(temporary.c_str());
        return fail(std::string("cannot replace the file: ") + std::strerror(error), {path, 0, 0});
    }
    if (durability == Durability::Cache)
        return {};
    return syncDirectory(dir);
}

Result<void> syncFileSystem(const std::string &dir)
{
    return syncAt(dir, true);
}

Result<void> removeFile(const std::string &path)
{
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT)
            return {};
        return fail(std::string("cannot remove: ") + std::strerror(errno), {path, 0, 0});
    }
    return syncDirectory(directoryOf(path));
}

Result<UniqueFd> lockFile(const std::string &path)
{
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600));
    if (!fd)
        return fail(std::string("cannot open the lock file: ") + std::strerror(errno), {path, 0, 0});
    while (::flock(fd.get(), LOCK_EX) != 0)
        if (errno != EINTR)
            return fail(std::string("cannot lock: ") + std::strerror(errno), {path, 0, 0});
    return fd;
}

Result<std::optional<UniqueFd>> tryLockFile(const std::string &path)
{
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600));
    if (!fd)
        return fail(std::string("cannot open the lock file: ") + std::strerror(errno), {path, 0, 0});
    while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return std::optional<UniqueFd>();
        if (errno != EINTR)
            return fail(std::string("cannot lock: ") + std::strerror(errno), {path, 0, 0});
    }
    return std::optional<UniqueFd>(std::move(fd));
}

} // namespace gpaudit::host
