// SPDX-License-Identifier: GPL-2.0-or-later
// One GPO's policy files into a GpoInput, in one place: the GPO folders and single files given on the
// command line, and the files a sync fetched into the state directory's cache (host/state), are
// parsed here by parseGpoFiles().
#pragma once

#include "core/gpclient/gpo_list.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"
#include "core/report/report.hxx"

#include <optional>
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

// One of a GPO's files as read: its bytes, or that it is absent, or why it could not be read.
struct GpoFile {
    std::string path;                 // for messages: the file read, or {GUID}/Machine/... in the cache
    std::optional<std::string> bytes; // nullopt and no `unreadable`: the GPO has no such file
    std::optional<Error> unreadable;  // it is there but could not be read (over max_file_size, I/O)
};

// A GPO's files and what decides which of them are used.
struct GpoFiles {
    core::GpoRef gpo;
    // The GPO's registered computer extensions (gPCMachineExtensionNames, or a GPMC backup's
    // Backup.xml): a file whose extension is not registered is not used (MS-GPOL 3.2.5.1.10).
    // nullopt: unknown, every file there is read (and the report says so).
    std::optional<core::ExtensionList> extensions;
    GpoFile auditCsv;
    GpoFile gptTmplInf;
    GpoFile registryPol; // Machine/Registry.pol (MS-GPREG 2.2.1): Administrative Templates
    // Fetched by a sync, which fetches only the files whose extension is registered: an unused or
    // registered but missing file is reported even when the folder had none.
    bool fetched = false;
    std::string usedWhy; // why a used file is used, when not the extension's decision
};

// Parses the files (MS-GPAC 2.2 audit.csv, MS-GPSB GptTmpl.inf, MS-GPREG Registry.pol) into the GPO's merge input. A
// file that does not parse, is over a limit or cannot be read is left out and reported in `problems` (MS-GPAC 3.2.5:
// the other files and GPOs still apply); the input's `files` say what was used and why.
core::GpoInput parseGpoFiles(const core::Catalog &catalog, const GpoFiles &files, const core::PolicyLimits &limits,
                             std::vector<core::InputProblem> &problems);

// A source that is not a GPO folder at all is an error for the whole call; everything else as above.
Result<LoadedPolicy> loadPolicySources(const core::Catalog &catalog, const std::vector<PolicySource> &sources,
                                       const core::PolicyLimits &limits = {});

} // namespace gpaudit::host
