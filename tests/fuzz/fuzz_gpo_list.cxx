// SPDX-License-Identifier: GPL-2.0-or-later
// What LDAP returns, as bytes: a gPLink, gPCMachineExtensionNames and a binary nTSecurityDescriptor
// (the input split at the first two NUL bytes), through the parsers and the GPO list.
#include "core/gpclient/gpo_list.hxx"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view all(reinterpret_cast<const char *>(data), size);
    const auto first = all.find('\0');
    const auto gpLink = all.substr(0, first);
    const auto rest = first == std::string_view::npos ? std::string_view{} : all.substr(first + 1);
    const auto second = rest.find('\0');
    const auto extensions = rest.substr(0, second);
    const auto sdBytes = second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);
    gpaudit::core::GroupPolicyContainer gpc;
    gpc.guid = "31B2F340-016D-11D2-945F-00C04FB984F9";
    gpc.versionNumber = 1;
    gpc.machineExtensionNames = std::string(extensions);
    gpc.securityDescriptor.assign(sdBytes.begin(), sdBytes.end());
    (void)gpaudit::core::parseExtensionNames(extensions);
    (void)gpaudit::core::checkGpoAccess(gpc.securityDescriptor, {*gpaudit::core::parseSid("S-1-5-11")});
    auto list =
        gpaudit::core::buildGpoList({{gpaudit::core::Som::Kind::Domain, "DC=fuzz", std::string(gpLink), 0}}, {gpc}, {});
    if (list && list->applied.size() > list->considered.size())
        __builtin_trap();
    return 0;
}
