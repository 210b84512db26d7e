// SPDX-License-Identifier: GPL-2.0-or-later
// Internal helpers for reading the rules/ data with yaml-cpp. yaml-cpp reports errors by exception;
// they are converted to Error here and never cross the library's API.
#pragma once

#include "core/base/result.hxx"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace gpaudit::core {

struct YamlFieldError : std::runtime_error {
    YamlFieldError(const YAML::Node &n, const std::string &message) : std::runtime_error(message), node(n) {}
    YAML::Node node;
};

inline Result<YAML::Node> loadYaml(std::string_view text, std::string_view label)
{
    try {
        return YAML::Load(std::string(text));
    } catch (const YAML::Exception &e) {
        return fail(e.msg, {std::string(label), static_cast<std::uint32_t>(e.mark.line + 1),
                            static_cast<std::uint32_t>(e.mark.column + 1)});
    }
}

inline Unexpected yamlError(const YAML::Node &node, std::string_view label, const std::string &message)
{
    const auto mark = node.Mark();
    if (mark.is_null())
        return fail(message, {std::string(label), 0, 0});
    return fail(message, {std::string(label), static_cast<std::uint32_t>(mark.line + 1),
                          static_cast<std::uint32_t>(mark.column + 1)});
}

inline std::string requireString(const YAML::Node &node, const char *key)
{
    const auto value = node[key];
    if (!value || !value.IsScalar())
        throw YamlFieldError(node, std::string("missing or non-text \"") + key + "\"");
    return value.as<std::string>();
}

inline std::vector<std::string> stringList(const YAML::Node &node, const char *key)
{
    std::vector<std::string> out;
    const auto value = node[key];
    if (!value)
        return out;
    if (!value.IsSequence())
        throw YamlFieldError(value, std::string("\"") + key + "\" must be a list");
    for (const auto &item : value) {
        if (!item.IsScalar())
            throw YamlFieldError(item, std::string("\"") + key + "\" must list text values");
        out.push_back(item.as<std::string>());
    }
    return out;
}

} // namespace gpaudit::core
