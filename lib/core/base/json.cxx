// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/json.hxx"

#include "core/base/safe_text.hxx"

namespace gpaudit::core {

std::string jsonSafeText(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
            continue;
        out += displayText(text.substr(start, i - start));
        if (i < text.size())
            out += text[i];
        start = i + 1;
    }
    return out;
}

namespace {

bool needsCleaning(std::string_view text)
{
    for (const char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return true;
    return false;
}

std::string cleanText(const std::string &text)
{
    return needsCleaning(text) ? jsonSafeText(text) : text;
}

// A copy of the document whose every key and string passed jsonSafeText().
Json cleaned(const Json &value)
{
    if (value.is_string())
        return cleanText(value.get_ref<const std::string &>());
    if (value.is_array()) {
        Json out = Json::array();
        for (const auto &item : value)
            out.push_back(cleaned(item));
        return out;
    }
    if (value.is_object()) {
        Json out = Json::object();
        for (const auto &[key, item] : value.items())
            out[cleanText(key)] = cleaned(item);
        return out;
    }
    return value;
}

} // namespace

std::string dumpJson(const Json &document, int indent)
{
    return cleaned(document).dump(indent, ' ', false, Json::error_handler_t::replace);
}

} // namespace gpaudit::core
