// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/linux/config_change.hxx"

#include <optional>

namespace gpaudit::core {

ConfigChange parseConfigChange(std::string_view text)
{
    ConfigChange change;
    change.text = std::string(text);
    std::optional<std::string> op;
    std::optional<std::string> auid;
    std::optional<std::string> ses;
    std::optional<std::string> key;
    std::size_t at = 0;
    while (at < text.size()) {
        if (text[at] == ' ') {
            ++at;
            continue;
        }
        // One field: a name up to '=', then a quoted value up to its closing quote, or a bare value up
        // to the next space. A token without '=' ("audit(1.2:3):") is skipped.
        const auto space = text.find(' ', at);
        const auto equals = text.find('=', at);
        if (equals == std::string_view::npos || (space != std::string_view::npos && space < equals)) {
            at = space == std::string_view::npos ? text.size() : space;
            continue;
        }
        const std::string_view name = text.substr(at, equals - at);
        std::size_t valueStart = equals + 1;
        std::size_t valueEnd = 0;
        if (valueStart < text.size() && text[valueStart] == '"') {
            ++valueStart;
            const auto quote = text.find('"', valueStart);
            valueEnd = quote == std::string_view::npos ? text.size() : quote;
            at = quote == std::string_view::npos ? text.size() : quote + 1;
        } else {
            valueEnd = text.find(' ', valueStart);
            if (valueEnd == std::string_view::npos)
                valueEnd = text.size();
            at = valueEnd;
        }
        const std::string value(text.substr(valueStart, valueEnd - valueStart));
        auto keep = [&](std::optional<std::string> &slot) {
            if (!slot)
                slot = value;
        };
        if (name == "op")
            keep(op);
        else if (name == "auid")
            keep(auid);
        else if (name == "ses")
            keep(ses);
        else if (name == "key")
            keep(key);
    }
    change.op = op.value_or("");
    change.auid = auid.value_or("");
    change.ses = ses.value_or("");
    change.key = key.value_or("");
    return change;
}

} // namespace gpaudit::core
