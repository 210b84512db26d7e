// SPDX-License-Identifier: GPL-2.0-or-later
// SDDL text -> SACL; every parsed ACE prints and re-parses to an equal ACE.
#include "core/linux/translate.hxx"
#include "core/policy/sddl.hxx"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    auto sacl = gpaudit::core::parseSacl(text, {"audit.csv", 1, 1});
    if (!sacl)
        return 0;
    for (const auto &ace : sacl->aces) {
        (void)gpaudit::core::permFromAccessMask(ace.accessMask);
        auto again = gpaudit::core::parseSacl("S:" + ace.str(), {});
        if (!again || again->aces.size() != 1 || !(again->aces[0] == ace))
            __builtin_trap(); // str() must round-trip
    }
    return 0;
}
