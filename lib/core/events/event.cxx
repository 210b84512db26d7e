// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/events/event.hxx"

namespace gpaudit::core::events {

std::string_view AuditEvent::field(std::string_view name) const
{
    for (const auto &[key, value] : recordFields)
        if (key == name)
            return value;
    return {};
}

std::vector<std::string> splitKeys(std::string_view raw)
{
    std::vector<std::string> keys;
    if (raw == "(null)")
        return keys;
    std::size_t start = 0;
    while (start <= raw.size()) {
        const auto end = raw.find('\x01', start);
        const auto piece = raw.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (!piece.empty())
            keys.emplace_back(piece);
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    return keys;
}

std::string normalPath(std::string_view path, std::string_view cwd)
{
    std::string joined;
    if (!path.empty() && path.front() != '/' && !cwd.empty() && cwd.front() == '/') {
        joined.assign(cwd);
        joined += '/';
    }
    joined += path;
    if (joined.empty() || joined.front() != '/')
        return joined; // relative without a usable cwd: kept as written
    std::vector<std::string_view> parts;
    std::string_view rest = joined;
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const auto part = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (part.empty() || part == ".")
            continue;
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string out;
    for (const auto &part : parts) {
        out += '/';
        out += part;
    }
    return out.empty() ? std::string("/") : out;
}

} // namespace gpaudit::core::events
