// SPDX-License-Identifier: GPL-2.0-or-later
// A request line on gpauditd's control socket ("sync --force --json"), as gpauditctl sends it: which
// command and which flags, validated before anything runs. Pure; the socket is host/control's.
#pragma once

#include "core/base/result.hxx"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

inline constexpr std::size_t kMaxControlRequest = 4096;

// Words separated by spaces; an error for an empty line, one longer than kMaxControlRequest bytes, a
// byte that is not printable ASCII (so no word can carry a control character into a log line).
Result<std::vector<std::string>> splitControlRequest(std::string_view line);

struct ControlRequest {
    enum class Command { Sync, Status, Show, Rules };
    Command command = Command::Status;
    std::string name; // the command as sent ("sync")
    bool force = false;
    bool dryRun = false;
    bool json = false;
};

// The commands gpauditd answers, each with the flags it takes (a flag given twice counts once):
//   sync [--force] [--dry-run] [--json], status [--json], show [--json], rules.
// Errors: "gpauditd: sync does not take --x", "gpauditd does not know the command "x" (...)".
Result<ControlRequest> parseControlRequest(std::string_view line);

} // namespace gpaudit::core
