// SPDX-License-Identifier: GPL-2.0-or-later
// Where a command's output goes, and the commands gpauditctl and gpauditd both answer the same way
// (show and rules of the last sync, a sync's events): rendered by core/report/render.hxx, written to a
// Sink, with the exit status picked here.
#pragma once

#include "core/base/config.hxx"
#include "core/report/report.hxx"
#include "host/data/rules_data.hxx"
#include "host/state/view.hxx"

#include <functional>
#include <string_view>

namespace gpaudit::cli {

// `out` is standard output text, `err` one message (no program prefix, no newline). gpauditctl writes
// to its own streams; gpauditd to the control client or its log.
struct Sink {
    std::function<void(std::string_view)> out;
    std::function<void(std::string_view)> err;
};

void reportProblems(const std::vector<core::InputProblem> &problems, const Sink &sink);

// A sync's event as its message lines.
void tellEvent(const core::SyncEvent &event, std::string_view program, bool json, const Sink &sink);

// show / rules of the last applied sync, from the state directory. Returns the exit status (0, 1, 3).
int showLastSync(std::string_view program, const host::RulesData &data, const core::Config &config,
                 const host::ViewSettings &settings, std::string_view command, bool json, const Sink &sink);

} // namespace gpaudit::cli
