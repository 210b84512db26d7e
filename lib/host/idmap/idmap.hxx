// SPDX-License-Identifier: GPL-2.0-or-later
// SID -> uid/gid through the host's identity service: SSSD (libsss_nss_idmap) or winbind (libwbclient).
// Both libraries are loaded with dlopen() when first needed, so neither is a package dependency and a
// host has only the one it uses.
#pragma once

#include "core/base/config.hxx"
#include "core/linux/translate.hxx"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace gpaudit::host {

class IdmapResolver : public core::SidResolver {
  public:
    // Picks the source per `source` (auto: SSSD when its NSS responder socket exists, else winbind when
    // winbindd answers a ping). Never fails: with no source, every SID is unresolved and `name()` says why.
    static std::unique_ptr<IdmapResolver> open(core::IdmapSource source);
    ~IdmapResolver() override;

    [[nodiscard]] std::optional<core::SidResolution> resolve(const core::Sid &sid) const override;
    // "sssd", "winbind", or "none (why)".
    [[nodiscard]] const std::string &name() const { return name_; }
    [[nodiscard]] std::string source() const override { return name_; }

    // The other way, for the Windows event renderer: a uid or gid -> its SID, name and domain through
    // the same source (sss_nss_getsidbyuid/gid + sss_nss_getnamebysid; wbcUidToSid/wbcGidToSid +
    // wbcLookupSid). nullopt when the source does not know it (a local account) or there is no source;
    // the caller falls back to Samba's S-1-22-1-UID / S-1-22-2-GID. Cached (at most 4096 ids).
    struct IdAccount {
        std::string sid;
        std::string name;
        // winbind: the NetBIOS domain; SSSD: the first label of the fully qualified name's domain, upper
        // case (empty when SSSD answers a short name: use_fully_qualified_names = false).
        std::string domain;
    };
    [[nodiscard]] std::optional<IdAccount> accountOfUid(std::uint32_t uid) const;
    [[nodiscard]] std::optional<IdAccount> accountOfGid(std::uint32_t gid) const;

    struct Api;

  private:
    IdmapResolver() = default;
    const Api *api_ = nullptr;
    std::string name_;
    mutable std::map<core::Sid, std::optional<core::SidResolution>> cache_;
    [[nodiscard]] std::optional<IdAccount> accountOf(std::uint32_t id, bool group) const;
    mutable std::map<std::pair<bool, std::uint32_t>, std::optional<IdAccount>> idCache_;
};

} // namespace gpaudit::host
