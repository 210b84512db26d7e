// SPDX-License-Identifier: GPL-2.0-or-later
// The passwd name of a uid, for the Windows event renderer's account fields (gpauditctl search and the
// gpaudit-events plugin): looked up once per uid, the cache bounded (an exec storm asks for the same few
// accounts, a hostile log for many).
#pragma once

#include <pwd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gpaudit::daemon {

inline std::optional<std::string> userName(std::uint32_t uid)
{
    static std::unordered_map<std::uint32_t, std::optional<std::string>> cache;
    if (auto it = cache.find(uid); it != cache.end())
        return it->second;
    if (cache.size() >= 4096)
        cache.clear();
    struct passwd pwd {};
    struct passwd *found = nullptr;
    std::vector<char> buffer(16384);
    std::optional<std::string> name;
    if (::getpwuid_r(uid, &pwd, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
        name = std::string(found->pw_name);
    return cache[uid] = name;
}

} // namespace gpaudit::daemon
