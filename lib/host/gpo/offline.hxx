// SPDX-License-Identifier: GPL-2.0-or-later
// Reading policy sources given on the command line (GPO folders, single files) into GpoInputs.
#pragma once

#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"
#include "core/report/report.hxx"

#include <string>
#include <vector>

namespace gpaudit::host {

struct PolicySource {
    enum class Kind { GpoFolder, AuditCsv, GptTmplInf };
    Kind kind = Kind::GpoFolder;
    std::string path;
};

struct LoadedPolicy {
    std::vector<core::GpoInput> inputs; // lowest precedence first, as given
    std::vector<core::InputProblem> problems;
    [[nodiscard]] bool anyRejected() const;
};

// A file that does not parse is left out of its GPO and reported (MS-GPAC 3.2.5: the other GPOs
// still apply). A source that is not a GPO folder at all is an error for the whole call.
// A file over a limit (core::PolicyLimits) is rejected like a file that does not parse.
Result<LoadedPolicy> loadPolicySources(const core::Catalog &catalog, const std::vector<PolicySource> &sources,
                                       const core::PolicyLimits &limits = {});

} // namespace gpaudit::host
