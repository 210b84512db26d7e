// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16: `gpauditctl search --samba-log FILE`: a Samba AD DC's JSON audit records (its log file, or
// syslog/journal lines) as Windows Security events, with search's filters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpaudit::daemon {

struct SambaSearch {
    std::vector<std::string> files;         // "-" = standard input
    std::vector<std::string> subcategories; // slugs; empty = every one
    std::optional<bool> success;
    std::optional<std::int64_t> start, end;
    std::string format = "json"; // json, xml, text
    std::string computer;
};

// Returns the exit code: 0 events printed, 1 none matched or an error.
int runSambaSearch(const SambaSearch &search);

} // namespace gpaudit::daemon
