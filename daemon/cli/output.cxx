// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/output.hxx"

#include "cli/exit_status.hxx"
#include "config.h"
#include "core/report/render.hxx"
#include "host/state/state.hxx"

namespace gpaudit::cli {

void reportProblems(const std::vector<core::InputProblem> &problems, const Sink &sink)
{
    for (const auto &problem : problems)
        sink.err(core::renderProblem(problem));
}

void tellEvent(const core::SyncEvent &event, std::string_view program, bool json, const Sink &sink)
{
    for (const auto &line : core::renderSyncEvent(event, program, json))
        sink.err(line);
}

int showLastSync(std::string_view program, const host::RulesData &data, const core::Config &config,
                 const host::ViewSettings &settings, std::string_view command, bool json, const Sink &sink)
{
    auto last = host::loadLastApplied(data.catalog, config.stateDir, config.limits);
    if (!last) {
        sink.err(last.error().str());
        sink.err("or give policy sources: --gpo, --audit-csv, --inf");
        return kExitFailure;
    }
    reportProblems(last->loaded.problems, sink);
    auto translated = host::translatePolicy(data, &config, settings, last->loaded.inputs);
    if (!translated) {
        sink.err(translated.error().str());
        return kExitFailure;
    }
    if (command == "rules") {
        sink.out(core::renderRulesFile(
            translated->translation,
            core::rulesFileHeader(program, GPAUDIT_VERSION, translated->arch, last->loaded.inputs, &last->state)));
    } else {
        const core::ReportInput report{data.catalog,          data.mapping,
                                       translated->resultant, translated->translation,
                                       last->loaded.problems, &last->state};
        sink.out(json ? core::renderShowJson(report) : core::renderShowText(report));
    }
    return last->loaded.anyRejected() ? kExitPartial : kExitOk;
}

} // namespace gpaudit::cli
