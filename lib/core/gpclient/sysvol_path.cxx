// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/gpclient/sysvol_path.hxx"

#include "core/base/text.hxx"

#include <cstdio>

namespace gpaudit::core {

namespace {
std::string percentEncode(std::string_view component)
{
    std::string out;
    for (unsigned char c : component) {
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                           c == '.' || c == '_' || c == '~' || c == '{' || c == '}';
        if (plain) {
            out += static_cast<char>(c);
        } else {
            char buffer[4];
            (void)std::snprintf(buffer, sizeof buffer, "%%%02X", c);
            out += buffer;
        }
    }
    return out;
}

std::vector<std::string_view> split(std::string_view path)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= path.size(); ++i) {
        if (i == path.size() || path[i] == '\\' || path[i] == '/') {
            parts.push_back(path.substr(start, i - start));
            start = i + 1;
        }
    }
    return parts;
}
} // namespace

Result<SysvolLocation> parseGpcFileSysPath(std::string_view fileSysPath, const GuidText &gpoGuid)
{
    const std::string shown(fileSysPath);
    if (fileSysPath.size() < 3 ||
        !((fileSysPath[0] == '\\' && fileSysPath[1] == '\\') || (fileSysPath[0] == '/' && fileSysPath[1] == '/')))
        return fail("gPCFileSysPath is not a UNC path: " + shown);
    const auto parts = split(fileSysPath.substr(2));
    // host, share, then at least the GPO folder
    if (parts.size() < 3)
        return fail("gPCFileSysPath has no folder below the share: " + shown);
    if (!equalsIgnoreCase(parts[1], "sysvol"))
        return fail("gPCFileSysPath is not on the SYSVOL share: " + shown);
    SysvolLocation location;
    for (std::size_t i = 2; i < parts.size(); ++i) {
        const auto part = parts[i];
        if (part.empty() || part == "." || part == "..")
            return fail("gPCFileSysPath has an empty, \".\" or \"..\" component: " + shown);
        for (unsigned char c : part)
            if (c < 0x20 || c == 0x7F || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' ||
                c == '|')
                return fail("gPCFileSysPath has a character not allowed in a SYSVOL path: " + shown);
        location.components.emplace_back(part);
    }
    auto last = parseGuid(location.components.back());
    if (!last || *last != gpoGuid)
        return fail("gPCFileSysPath does not end in the GPO's own folder {" + gpoGuid + "}: " + shown);
    return location;
}

std::string SysvolLocation::url(std::string_view server, std::string_view relative) const
{
    std::string out = "smb://" + std::string(server) + "/sysvol";
    for (const auto &component : components)
        out += "/" + percentEncode(component);
    for (const auto part : split(relative))
        if (!part.empty())
            out += "/" + percentEncode(part);
    return out;
}

} // namespace gpaudit::core
