// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/idmap/idmap.hxx"

#include <cstdint>
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/types.h>

namespace gpaudit::host {

namespace {

// libwbclient's ABI (wbclient.h, stable since Samba 3.2): only what is used here.
struct WbcDomainSid {
    std::uint8_t sid_rev_num;
    std::uint8_t num_auths;
    std::uint8_t id_auth[6];
    std::uint32_t sub_auths[15];
};
constexpr int kWbcSuccess = 0;
enum WbcSidType { kWbcUser = 1, kWbcDomainGroup = 2, kWbcAlias = 4, kWbcWellKnownGroup = 5 };
using WbcPing = int (*)();
using WbcStringToSid = int (*)(const char *, WbcDomainSid *);
using WbcSidToUid = int (*)(const WbcDomainSid *, uid_t *);
using WbcSidToGid = int (*)(const WbcDomainSid *, gid_t *);
using WbcLookupSid = int (*)(const WbcDomainSid *, char **, char **, int *);
using WbcFreeMemory = void (*)(void *);

// libsss_nss_idmap's ABI (sss_nss_idmap.h).
enum SssIdType { kSssNotSpecified = 0, kSssUid = 1, kSssGid = 2, kSssBoth = 3 };
using SssGetIdBySid = int (*)(const char *, std::uint32_t *, int *);

constexpr const char *kSssNssPipe = "/var/lib/sss/pipes/nss";

template <typename F> bool load(void *handle, F &target, const char *name)
{
    target = reinterpret_cast<F>(::dlsym(handle, name));
    return target != nullptr;
}

} // namespace

struct IdmapResolver::Api {
    bool sssd = false;
    SssGetIdBySid getIdBySid = nullptr;
    WbcPing ping = nullptr;
    WbcStringToSid stringToSid = nullptr;
    WbcSidToUid sidToUid = nullptr;
    WbcSidToGid sidToGid = nullptr;
    WbcLookupSid lookupSid = nullptr;
    WbcFreeMemory freeMemory = nullptr;
};

namespace {

const IdmapResolver::Api *sssdApi(std::string &why)
{
    static IdmapResolver::Api api;
    static void *handle = ::dlopen("libsss_nss_idmap.so.0", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        why = "libsss_nss_idmap.so.0 is not installed (package libsss-nss-idmap0)";
        return nullptr;
    }
    api.sssd = true;
    if (!load(handle, api.getIdBySid, "sss_nss_getidbysid")) {
        why = "libsss_nss_idmap.so.0 lacks sss_nss_getidbysid";
        return nullptr;
    }
    return &api;
}

const IdmapResolver::Api *winbindApi(std::string &why)
{
    static IdmapResolver::Api api;
    static void *handle = ::dlopen("libwbclient.so.0", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        why = "libwbclient.so.0 is not installed (package libwbclient0)";
        return nullptr;
    }
    if (!load(handle, api.ping, "wbcPing") || !load(handle, api.stringToSid, "wbcStringToSid") ||
        !load(handle, api.sidToUid, "wbcSidToUid") || !load(handle, api.sidToGid, "wbcSidToGid") ||
        !load(handle, api.lookupSid, "wbcLookupSid") || !load(handle, api.freeMemory, "wbcFreeMemory")) {
        why = "libwbclient.so.0 lacks a wbc function";
        return nullptr;
    }
    if (api.ping() != kWbcSuccess) {
        why = "winbindd does not answer";
        return nullptr;
    }
    return &api;
}

} // namespace

IdmapResolver::~IdmapResolver() = default;

std::unique_ptr<IdmapResolver> IdmapResolver::open(core::IdmapSource source)
{
    std::unique_ptr<IdmapResolver> resolver(new IdmapResolver);
    std::string why;
    struct stat st {};
    switch (source) {
    case core::IdmapSource::None:
        resolver->name_ = "none (idmap: none)";
        return resolver;
    case core::IdmapSource::Sssd:
        resolver->api_ = sssdApi(why);
        break;
    case core::IdmapSource::Winbind:
        resolver->api_ = winbindApi(why);
        break;
    case core::IdmapSource::Auto:
        if (::stat(kSssNssPipe, &st) == 0) {
            resolver->api_ = sssdApi(why);
        } else {
            resolver->api_ = winbindApi(why);
            if (resolver->api_ == nullptr)
                why = "no SSSD (" + std::string(kSssNssPipe) + " missing) and no winbind (" + why + ")";
        }
        break;
    }
    if (resolver->api_ == nullptr)
        resolver->name_ = "none (" + why + ")";
    else
        resolver->name_ = resolver->api_->sssd ? "sssd" : "winbind";
    return resolver;
}

std::optional<core::SidResolution> IdmapResolver::resolve(const core::Sid &sid) const
{
    if (api_ == nullptr)
        return std::nullopt;
    if (auto cached = cache_.find(sid); cached != cache_.end())
        return cached->second;
    std::optional<core::SidResolution> result;
    const std::string text = sid.str();
    if (api_->sssd) {
        std::uint32_t id = 0;
        int type = kSssNotSpecified;
        // A user with a private group answers BOTH: the SID names the user.
        if (api_->getIdBySid(text.c_str(), &id, &type) == 0 && type != kSssNotSpecified)
            result = core::SidResolution{
                type == kSssGid ? core::SidResolution::Kind::Group : core::SidResolution::Kind::User, id};
    } else {
        WbcDomainSid wbcSid{};
        char *domain = nullptr;
        char *name = nullptr;
        int type = 0;
        if (api_->stringToSid(text.c_str(), &wbcSid) == kWbcSuccess &&
            api_->lookupSid(&wbcSid, &domain, &name, &type) == kWbcSuccess) {
            api_->freeMemory(domain);
            api_->freeMemory(name);
            if (type == kWbcUser) {
                uid_t uid = 0;
                if (api_->sidToUid(&wbcSid, &uid) == kWbcSuccess)
                    result = core::SidResolution{core::SidResolution::Kind::User, uid};
            } else if (type == kWbcDomainGroup || type == kWbcAlias || type == kWbcWellKnownGroup) {
                gid_t gid = 0;
                if (api_->sidToGid(&wbcSid, &gid) == kWbcSuccess)
                    result = core::SidResolution{core::SidResolution::Kind::Group, gid};
            }
        }
    }
    cache_.emplace(sid, result);
    return result;
}

} // namespace gpaudit::host
