// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/time_text.hxx"

#include <cmath>
#include <cstdio>

namespace gpaudit::core {

std::string utcText(std::time_t time)
{
    std::tm tm{};
    ::gmtime_r(&time, &tm);
    char buffer[32];
    (void)std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string millisText(std::chrono::microseconds elapsed, int decimals)
{
    char buffer[48];
    (void)std::snprintf(buffer, sizeof buffer, "%.*f", decimals, static_cast<double>(elapsed.count()) / 1000.0);
    return buffer;
}

double millisValue(std::chrono::microseconds elapsed, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    return std::round(static_cast<double>(elapsed.count()) / 1000.0 * scale) / scale;
}

std::string durationText(std::chrono::seconds duration)
{
    const auto n = duration.count();
    if (n % 86400 == 0 && n != 0)
        return std::to_string(n / 86400) + "d";
    if (n % 3600 == 0 && n != 0)
        return std::to_string(n / 3600) + "h";
    if (n % 60 == 0 && n != 0)
        return std::to_string(n / 60) + "m";
    return std::to_string(n) + "s";
}

std::string spanText(std::chrono::seconds span)
{
    const auto s = span.count();
    if (s < 120)
        return std::to_string(s) + "s";
    if (s < 2L * 3600)
        return std::to_string(s / 60) + "m" + (s % 60 ? " " + std::to_string(s % 60) + "s" : "");
    return std::to_string(s / 3600) + "h " + std::to_string((s % 3600) / 60) + "m";
}

} // namespace gpaudit::core
