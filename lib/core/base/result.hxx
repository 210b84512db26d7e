// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>
#include <string>
#include <tl/expected.hpp>

namespace gpaudit {

// Where in an input an error was found. line/column are 1-based; 0 means "not applicable".
struct Location {
    std::string file; // label of the input (a path, or "audit.csv" for in-memory input)
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    bool operator==(const Location &) const = default;
};

struct Error {
    Location where;
    std::string message;

    // "file:line:column: message" (parts that are unknown are left out).
    [[nodiscard]] std::string str() const;
    bool operator==(const Error &) const = default;
};

// Keep to the members std::expected shares with tl::expected, so C++23 is a one-line change.
template <typename T> using Result = tl::expected<T, Error>;
using Unexpected = tl::unexpected<Error>;

inline Unexpected fail(std::string message, Location where = {})
{
    return Unexpected(Error{std::move(where), std::move(message)});
}

// A problem that does not reject the input (an unknown subcategory GUID, a duplicate row...).
struct Warning {
    Location where;
    std::string message;
    [[nodiscard]] std::string str() const;
};

} // namespace gpaudit
