// SPDX-License-Identifier: GPL-2.0-or-later
// Accounts for the Windows event renderer (gpauditctl search, gpaudit-events): uid/gid -> SID, name and
// domain through the host's identity service (SSSD or winbind, host::IdmapResolver, the same resolver as
// per-user policy rows), and for accounts it does not know (local ones) the documented fallback:
// Samba's "Unix User"/"Unix Group" SIDs S-1-22-1-UID / S-1-22-2-GID (source3/lib/util_unixsids.c) with
// the passwd/group name and the computer's name as domain. Both are cached (host::IdmapResolver; the
// passwd lookups in user_names.hxx).
#pragma once

#include "core/events/windows.hxx"
#include "host/idmap/idmap.hxx"
#include "user_names.hxx"

#include <grp.h>
#include <memory>

namespace gpaudit::daemon {

inline std::optional<std::string> groupName(std::uint32_t gid)
{
    static std::unordered_map<std::uint32_t, std::optional<std::string>> cache;
    if (auto it = cache.find(gid); it != cache.end())
        return it->second;
    if (cache.size() >= 4096)
        cache.clear();
    struct group entry {};
    struct group *found = nullptr;
    std::vector<char> buffer(65536);
    std::optional<std::string> name;
    if (::getgrgid_r(gid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
        name = std::string(found->gr_name);
    return cache[gid] = name;
}

// The uid of a passwd name (NSS: local files, SSSD or winbind), cached like userName().
inline std::optional<std::uint32_t> userId(const std::string &name)
{
    static std::unordered_map<std::string, std::optional<std::uint32_t>> cache;
    if (auto it = cache.find(name); it != cache.end())
        return it->second;
    if (cache.size() >= 4096)
        cache.clear();
    struct passwd entry {};
    struct passwd *found = nullptr;
    std::vector<char> buffer(16384);
    std::optional<std::uint32_t> uid;
    if (name.size() < 256 && ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr)
        uid = found->pw_uid;
    return cache[name] = uid;
}

class DirectoryAccounts : public core::events::AccountResolver {
  public:
    DirectoryAccounts(std::string localDomain, core::IdmapSource source)
        : local_(std::move(localDomain), userName), idmap_(host::IdmapResolver::open(source)),
          localDomain_(local_.account(0).domain)
    {
    }
    [[nodiscard]] core::events::Account account(std::uint32_t uid) const override
    {
        if (auto found = idmap_->accountOfUid(uid); found && !isUnixSid(found->sid))
            return complete(*found, userName(uid).value_or(std::to_string(uid)));
        return local_.account(uid);
    }
    [[nodiscard]] core::events::Account group(std::uint32_t gid) const override
    {
        if (auto found = idmap_->accountOfGid(gid); found && !isUnixSid(found->sid))
            return complete(*found, groupName(gid).value_or(std::to_string(gid)));
        auto account = local_.group(gid);
        if (auto name = groupName(gid))
            account.name = *name;
        return account;
    }
    [[nodiscard]] std::optional<core::events::Account> byName(std::string_view name) const override
    {
        if (auto uid = userId(std::string(name)))
            return account(*uid);
        return std::nullopt;
    }
    [[nodiscard]] const std::string &source() const { return idmap_->name(); }

  private:
    // winbind maps local ids into S-1-22-*: the fallback gives the same SID with the local name.
    static bool isUnixSid(const std::string &sid) { return sid.starts_with("S-1-22-"); }
    core::events::Account complete(const host::IdmapResolver::IdAccount &found, const std::string &fallbackName) const
    {
        return {found.sid, found.name.empty() ? fallbackName : found.name,
                found.domain.empty() ? localDomain_ : found.domain};
    }
    core::events::LocalAccounts local_;
    std::unique_ptr<host::IdmapResolver> idmap_;
    std::string localDomain_;
};

} // namespace gpaudit::daemon
