// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/files/host_config.hxx"

#include "host/files/files.hxx"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <memory>
#include <sys/stat.h>

namespace gpaudit::host {

namespace {

// A file's text; nullopt when it does not exist.
Result<std::optional<std::string>> readOptional(const std::string &path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
        return std::nullopt;
    auto text = readFileBounded(path, kMaxHostConfigFile);
    if (!text)
        return tl::unexpected(text.error());
    return std::optional<std::string>(std::move(*text));
}

struct DirCloser {
    void operator()(DIR *dir) const { (void)::closedir(dir); }
};

// sssd.conf then its snippets in sssd's order; a missing sssd.conf or conf.d is no error (sssd runs
// on snippets alone).
Result<std::vector<std::string>> sssdTexts(const HostConfigPaths &paths)
{
    std::vector<std::string> texts;
    auto main = readOptional(paths.sssdConf);
    if (!main)
        return tl::unexpected(main.error());
    if (*main)
        texts.push_back(std::move(**main));
    const std::unique_ptr<DIR, DirCloser> dir(::opendir(paths.sssdConfDir.c_str()));
    if (!dir) {
        if (errno == ENOENT || errno == ENOTDIR)
            return texts;
        return fail(std::string("cannot list: ") + std::strerror(errno), {paths.sssdConfDir, 0, 0});
    }
    std::vector<std::string> names;
    while (const dirent *entry = ::readdir(dir.get())) {
        names.emplace_back(entry->d_name);
        if (names.size() > 4 * kMaxSssdSnippets)
            break; // the count below refuses it
    }
    names = core::sssdSnippetOrder(std::move(names));
    if (names.size() > kMaxSssdSnippets)
        return fail("more than " + std::to_string(kMaxSssdSnippets) + " snippets", {paths.sssdConfDir, 0, 0});
    for (const auto &name : names) {
        auto text = readOptional(paths.sssdConfDir + "/" + name);
        if (!text)
            return tl::unexpected(text.error());
        if (*text)
            texts.push_back(std::move(**text));
    }
    return texts;
}

} // namespace

Result<core::DomainIdentity> readHostIdentity(const HostConfigPaths &paths)
{
    auto sssd = sssdTexts(paths);
    if (!sssd)
        return tl::unexpected(sssd.error());
    auto identity = core::identityFromSssdConf(*sssd);
    if (!identity.realm.empty())
        return identity;
    auto smb = core::expandSmbConf(paths.smbConf, readOptional);
    if (!smb)
        return tl::unexpected(smb.error());
    if (*smb)
        return core::identityFromSmbConf(**smb);
    return core::DomainIdentity{};
}

} // namespace gpaudit::host
