// SPDX-License-Identifier: GPL-2.0-or-later
// `gpauditctl search`: audit log events classified by subcategory, rendered as Windows Security events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

// argv[0] is "search". Returns the exit code (0 events printed, 1 none found or an error, 2 usage).
int runSearch(int argc, char **argv);

// ausearch's --start/--end forms (now, recent, today, ..., MM/DD/YYYY or YYYY-MM-DD [HH:MM[:SS]], @SECONDS);
// timeOfDay is the next argument, consumed when usedNext.
std::optional<std::int64_t> parseSearchTime(const std::string &word, const std::string *timeOfDay, bool &usedNext);
