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

    struct Api;

  private:
    IdmapResolver() = default;
    const Api *api_ = nullptr;
    std::string name_;
    mutable std::map<core::Sid, std::optional<core::SidResolution>> cache_;
};

} // namespace gpaudit::host
