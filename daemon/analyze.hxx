// SPDX-License-Identifier: GPL-2.0-or-later
// `gpauditctl analyze`: the process-tracking analyses of seed 001 over audit logs (lifetime, creator
// chain, first-seen executables) and the whitelist they use (baseline).
#pragma once

// argv[0] is "analyze". Returns the exit code (0 something found, 1 nothing found or an error, 2 usage).
int runAnalyze(int argc, char **argv);
