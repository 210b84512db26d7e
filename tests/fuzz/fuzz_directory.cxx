// SPDX-License-Identifier: GPL-2.0-or-later
// What the DC and the host's files feed the domain client: the LDAP ping answer, DNs, binary SIDs,
// gPLink, and the configuration files (gpauditd.conf, smb.conf, sssd.conf, krb5.conf). The first byte
// picks the parser; none may crash, and a parsed SID or DN must print back consistently.
#include "core/base/config.hxx"
#include "core/gpclient/directory.hxx"
#include "core/gpclient/gpo_list.hxx"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    using namespace gpaudit::core;
    const std::span<const std::uint8_t> bytes(data + 1, size - 1);
    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    switch (data[0] % 6) {
    case 0: {
        auto info = parseNetlogonResponse(bytes);
        if (info && (info->dnsHostName.size() > 255 || info->clientSiteName.size() > 255))
            __builtin_trap();
        break;
    }
    case 1: {
        auto sid = parseBinarySid(bytes);
        if (sid && (!parseSid(sid->str()) || *parseSid(sid->str()) != *sid))
            __builtin_trap(); // binary and text forms agree
        break;
    }
    case 2: {
        auto rdns = splitDn(text);
        if (rdns) {
            std::string joined;
            for (const auto &r : *rdns)
                joined += (joined.empty() ? "" : ",") + r;
            auto again = splitDn(joined);
            if (!again || *again != *rdns)
                __builtin_trap();
            (void)ouChain(text, "DC=gpa,DC=test");
        }
        (void)ldapFilterEscape(text);
        break;
    }
    case 3:
        (void)parseConfig(text, "gpauditd.conf");
        break;
    case 4:
        (void)identityFromSmbConf(text);
        (void)identityFromSssdConf(text);
        (void)identityFromSssdConf(std::vector<std::string>{std::string(text), std::string(text)});
        // Every file read is this text (an include line includes it again): the limits end it.
        (void)expandSmbConf("/smb.conf", [&](const std::string &) -> gpaudit::Result<std::optional<std::string>> {
            return std::optional<std::string>(std::string(text));
        });
        break;
    case 5:
        (void)parseGpLink(text);
        (void)parseExtensionNames(text);
        break;
    }
    return 0;
}
