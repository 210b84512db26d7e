// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/result.hxx"

#include "core/base/safe_text.hxx"

namespace gpaudit {

namespace {
// Errors name files and quote inputs: shown escaped (safe_text.hxx), whoever prints or logs them.
std::string formatLocated(const Location &where, const std::string &message)
{
    std::string out;
    if (!where.file.empty()) {
        out += where.file;
        if (where.line != 0) {
            out += ':' + std::to_string(where.line);
            if (where.column != 0)
                out += ':' + std::to_string(where.column);
        }
        out += ": ";
    }
    out += message;
    return core::displayText(out);
}
} // namespace

std::string Error::str() const
{
    return formatLocated(where, message);
}
std::string Warning::str() const
{
    return formatLocated(where, message);
}

} // namespace gpaudit
