// SPDX-License-Identifier: GPL-2.0-or-later
// `gpauditctl search`: audit log events classified by subcategory, rendered as Windows Security events.
#pragma once

// argv[0] is "search". Returns the exit code (0 events printed, 1 none found or an error, 2 usage).
int runSearch(int argc, char **argv);
