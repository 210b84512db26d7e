// SPDX-License-Identifier: GPL-2.0-or-later
// Times and durations as gpaudit writes them, in one place: UTC instants (ISO 8601, as state.yaml,
// the status and the JSON carry them), milliseconds of a measured stage, the configuration's
// durations ("90m"), and a countdown for people ("1h 30m"). Pure: the caller reads the clock.
#pragma once

#include <chrono>
#include <ctime>
#include <string>

namespace gpaudit::core {

// 2026-12-02T01:45:00Z
std::string utcText(std::time_t time);

// Milliseconds with `decimals` digits after the point ("12.3"), no unit.
std::string millisText(std::chrono::microseconds elapsed, int decimals = 1);
// The same as a number for JSON (milliseconds, rounded to `decimals` digits).
double millisValue(std::chrono::microseconds elapsed, int decimals = 3);

// As gpauditd.conf writes a duration: the largest whole unit of d, h, m, s ("90m", "16h", "45s").
std::string durationText(std::chrono::seconds duration);

// A span for people: "45s", "5m 30s", "2h 5m".
std::string spanText(std::chrono::seconds span);

} // namespace gpaudit::core
