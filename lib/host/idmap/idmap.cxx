// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/idmap/idmap.hxx"

#include <cctype>
#include <cstdint>
#include <cstdlib>
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
using WbcUidToSid = int (*)(uid_t, WbcDomainSid *);
using WbcGidToSid = int (*)(gid_t, WbcDomainSid *);
using WbcSidToString = int (*)(const WbcDomainSid *, char **);

// libsss_nss_idmap's ABI (sss_nss_idmap.h).
enum SssIdType { kSssNotSpecified = 0, kSssUid = 1, kSssGid = 2, kSssBoth = 3 };
using SssGetIdBySid = int (*)(const char *, std::uint32_t *, int *);
using SssGetSidById = int (*)(std::uint32_t, char **, int *); // sss_nss_getsidbyuid/gid/id
using SssGetNameBySid = int (*)(const char *, char **, int *);

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
    // The reverse lookups (optional: a library without them resolves SIDs only).
    SssGetSidById getSidByUid = nullptr;
    SssGetSidById getSidByGid = nullptr;
    SssGetNameBySid getNameBySid = nullptr;
    WbcUidToSid uidToSid = nullptr;
    WbcGidToSid gidToSid = nullptr;
    WbcSidToString sidToString = nullptr;
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
    // sss_nss_getsidbyuid/gid (SSSD 2.6+); before, sss_nss_getsidbyid for both.
    if (!load(handle, api.getSidByUid, "sss_nss_getsidbyuid"))
        (void)load(handle, api.getSidByUid, "sss_nss_getsidbyid");
    if (!load(handle, api.getSidByGid, "sss_nss_getsidbygid"))
        (void)load(handle, api.getSidByGid, "sss_nss_getsidbyid");
    (void)load(handle, api.getNameBySid, "sss_nss_getnamebysid");
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
    (void)load(handle, api.uidToSid, "wbcUidToSid");
    (void)load(handle, api.gidToSid, "wbcGidToSid");
    (void)load(handle, api.sidToString, "wbcSidToString");
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

std::optional<IdmapResolver::IdAccount> IdmapResolver::accountOfUid(std::uint32_t uid) const
{
    return accountOf(uid, false);
}

std::optional<IdmapResolver::IdAccount> IdmapResolver::accountOfGid(std::uint32_t gid) const
{
    return accountOf(gid, true);
}

std::optional<IdmapResolver::IdAccount> IdmapResolver::accountOf(std::uint32_t id, bool group) const
{
    if (api_ == nullptr)
        return std::nullopt;
    const auto key = std::pair{group, id};
    if (auto cached = idCache_.find(key); cached != idCache_.end())
        return cached->second;
    if (idCache_.size() >= 4096)
        idCache_.clear();
    std::optional<IdAccount> result;
    if (api_->sssd) {
        const auto getSid = group ? api_->getSidByGid : api_->getSidByUid;
        char *sid = nullptr;
        int type = kSssNotSpecified;
        if (getSid != nullptr && getSid(id, &sid, &type) == 0 && sid != nullptr) {
            IdAccount account{sid, {}, {}};
            std::free(sid); // libsss_nss_idmap returns malloc()ed strings
            char *fq = nullptr;
            if (api_->getNameBySid != nullptr && api_->getNameBySid(account.sid.c_str(), &fq, &type) == 0 &&
                fq != nullptr) {
                // "alice@gpa.test": the name, and the domain's first label as Windows' NetBIOS-style name.
                const std::string name = fq;
                std::free(fq);
                const auto at = name.find('@');
                account.name = name.substr(0, at);
                if (at != std::string::npos) {
                    auto domain = name.substr(at + 1);
                    domain = domain.substr(0, domain.find('.'));
                    for (auto &c : domain)
                        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                    account.domain = domain;
                }
            }
            result = std::move(account);
        }
    } else if (api_->sidToString != nullptr && (group ? api_->gidToSid != nullptr : api_->uidToSid != nullptr)) {
        WbcDomainSid wbcSid{};
        const int status =
            group ? api_->gidToSid(static_cast<gid_t>(id), &wbcSid) : api_->uidToSid(static_cast<uid_t>(id), &wbcSid);
        char *text = nullptr;
        if (status == kWbcSuccess && api_->sidToString(&wbcSid, &text) == kWbcSuccess && text != nullptr) {
            IdAccount account{text, {}, {}};
            api_->freeMemory(text);
            char *domain = nullptr;
            char *name = nullptr;
            int type = 0;
            if (api_->lookupSid(&wbcSid, &domain, &name, &type) == kWbcSuccess) {
                account.name = name == nullptr ? "" : name;
                account.domain = domain == nullptr ? "" : domain;
                api_->freeMemory(domain);
                api_->freeMemory(name);
            }
            result = std::move(account);
        }
    }
    idCache_.emplace(key, result);
    return result;
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
