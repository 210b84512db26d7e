// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/gpo/offline.hxx"

#include "core/policy/policy.hxx"
#include "host/files/files.hxx"

#include <algorithm>
#include <sys/stat.h>

namespace gpaudit::host {

bool LoadedPolicy::anyRejected() const
{
    return std::any_of(problems.begin(), problems.end(), [](const auto &p) { return p.rejected; });
}

namespace {

// The problem's own GPO names the file already when it is a single file given on the command line:
// the message then carries the location without the file name again.
std::string problemText(const Error &error, const core::GpoRef &gpo)
{
    if (gpo.guid.empty() && error.where.file == gpo.name) {
        Error shorter = error;
        shorter.where.file.clear();
        if (shorter.where.line != 0)
            shorter.where.file = "line " + std::to_string(shorter.where.line);
        shorter.where.line = 0;
        if (shorter.where.column != 0)
            shorter.where.file += " column " + std::to_string(shorter.where.column);
        shorter.where.column = 0;
        return shorter.str();
    }
    return error.str();
}

// What each kind of file is parsed by, and what a rejected one is called.
struct Parsed {
    bool ok = false;
    std::string error;
    std::vector<Warning> warnings;
    std::vector<std::string> assumptions;
};

Parsed parseInto(core::PolicyFile kind, const GpoFile &file, const core::Catalog &catalog,
                 const core::PolicyLimits &limits, core::GpoInput &input)
{
    Parsed out;
    if (kind == core::PolicyFile::AuditCsv) {
        auto parsed = core::parseAuditCsv(*file.bytes, file.path, catalog, limits);
        if (!parsed) {
            out.error = problemText(parsed.error(), input.gpo) + " (audit.csv ignored as a whole, MS-GPAC 3.2.5)";
            return out;
        }
        out.warnings = parsed->warnings;
        out.assumptions = parsed->assumptions;
        input.auditCsv = std::move(*parsed);
    } else if (kind == core::PolicyFile::RegistryPol) {
        auto parsed = core::parseRegistryPol(*file.bytes, file.path, limits);
        if (!parsed) {
            out.error = problemText(parsed.error(), input.gpo) + " (Registry.pol ignored)";
            return out;
        }
        input.registryPol = std::move(*parsed);
    } else {
        auto parsed = core::parseSecurityTemplate(*file.bytes, file.path, limits);
        if (!parsed) {
            out.error = problemText(parsed.error(), input.gpo) + " (GptTmpl.inf ignored)";
            return out;
        }
        out.warnings = parsed->warnings;
        input.securityTemplate = std::move(*parsed);
    }
    out.ok = true;
    return out;
}

void parseOne(core::PolicyFile kind, const GpoFile &file, const GpoFiles &gpo, const core::Catalog &catalog,
              const core::PolicyLimits &limits, core::GpoInput &input, std::vector<core::InputProblem> &problems)
{
    const std::string name(core::policyFileName(kind));
    const auto decision = core::decidePolicyFile(kind, gpo.extensions);
    const bool present = file.bytes || file.unreadable;
    if (!decision.read) {
        if (gpo.fetched)
            input.files.push_back({name, false, decision.why + (present ? "" : "; not fetched"), {}});
        else if (present)
            input.files.push_back({name, false, decision.why, {}});
        return;
    }
    if (!present) {
        if (gpo.fetched || gpo.extensions)
            input.files.push_back(
                {name, false, "absent: its extension is registered but the GPO has no such file", {}});
        return;
    }
    if (file.unreadable) {
        problems.push_back({input.gpo, true, problemText(*file.unreadable, input.gpo)});
        input.files.push_back({name, false, "rejected: not readable", {}});
        return;
    }
    auto parsed = parseInto(kind, file, catalog, limits, input);
    if (!parsed.ok) {
        problems.push_back({input.gpo, true, parsed.error});
        input.files.push_back({name,
                               false,
                               kind == core::PolicyFile::AuditCsv
                                   ? "rejected: does not conform to MS-GPAC 2.2, ignored as a whole (MS-GPAC "
                                     "3.2.5); see the input problems"
                                   : "rejected: does not parse; see the input problems",
                               {}});
        return;
    }
    for (const auto &warning : parsed.warnings)
        problems.push_back({input.gpo, false, warning.str()});
    input.files.push_back({name, true, gpo.usedWhy.empty() ? decision.why : gpo.usedWhy, parsed.assumptions});
}

// The size is checked before reading, so that the error names the limit (max_file_size).
GpoFile readPolicyFile(const std::optional<std::string> &path, const core::PolicyLimits &limits)
{
    GpoFile file;
    if (!path)
        return file;
    file.path = *path;
    struct stat st {};
    if (::stat(path->c_str(), &st) == 0 && S_ISREG(st.st_mode))
        if (auto ok = core::checkFileSize(static_cast<std::size_t>(st.st_size), *path, limits); !ok) {
            file.unreadable = ok.error();
            return file;
        }
    auto bytes = readFileBounded(*path, limits.maxFileSize);
    if (bytes)
        file.bytes = std::move(*bytes);
    else
        file.unreadable = bytes.error();
    return file;
}

} // namespace

core::GpoInput parseGpoFiles(const core::Catalog &catalog, const GpoFiles &files, const core::PolicyLimits &limits,
                             std::vector<core::InputProblem> &problems)
{
    core::GpoInput input;
    input.gpo = files.gpo;
    parseOne(core::PolicyFile::AuditCsv, files.auditCsv, files, catalog, limits, input, problems);
    parseOne(core::PolicyFile::GptTmplInf, files.gptTmplInf, files, catalog, limits, input, problems);
    // Registry.pol is listed only when its extension is registered or the file is there, so that the
    // report of a GPO without Administrative Templates is unchanged.
    const bool registryPresent = files.registryPol.bytes || files.registryPol.unreadable;
    if (registryPresent ||
        (files.extensions && core::decidePolicyFile(core::PolicyFile::RegistryPol, files.extensions).read))
        parseOne(core::PolicyFile::RegistryPol, files.registryPol, files, catalog, limits, input, problems);
    return input;
}

Result<LoadedPolicy> loadPolicySources(const core::Catalog &catalog, const std::vector<PolicySource> &sources,
                                       const core::PolicyLimits &limits)
{
    LoadedPolicy out;
    for (const auto &source : sources) {
        GpoFiles files;
        switch (source.kind) {
        case PolicySource::Kind::GpoFolder: {
            auto folder = openGpoFolder(source.path);
            if (!folder)
                return tl::unexpected(folder.error());
            files.gpo = folder->gpo;
            // MS-GPOL 3.2.5.1.10: each file only when the GPO registers its extension (a GPMC backup's
            // Backup.xml says which); a folder with no list is read whole, and says so.
            files.extensions = folder->extensions;
            const auto decideAudit = core::decidePolicyFile(core::PolicyFile::AuditCsv, files.extensions);
            const auto decideInf = core::decidePolicyFile(core::PolicyFile::GptTmplInf, files.extensions);
            // A file that will not be used is not read.
            files.auditCsv = decideAudit.read ? readPolicyFile(folder->auditCsv, limits) : GpoFile{};
            files.gptTmplInf = decideInf.read ? readPolicyFile(folder->gptTmplInf, limits) : GpoFile{};
            if (!decideAudit.read && folder->auditCsv)
                files.auditCsv.bytes = std::string(); // there, not read: reported as not used
            if (!decideInf.read && folder->gptTmplInf)
                files.gptTmplInf.bytes = std::string();
            const auto decideRegistry = core::decidePolicyFile(core::PolicyFile::RegistryPol, files.extensions);
            files.registryPol = decideRegistry.read ? readPolicyFile(folder->registryPol, limits) : GpoFile{};
            if (!decideRegistry.read && folder->registryPol)
                files.registryPol.bytes = std::string();
            break;
        }
        case PolicySource::Kind::AuditCsv:
            files.gpo = {"", source.path};
            files.auditCsv = readPolicyFile(source.path, limits);
            files.usedWhy = "used: a file given on the command line";
            break;
        case PolicySource::Kind::GptTmplInf:
            files.gpo = {"", source.path};
            files.gptTmplInf = readPolicyFile(source.path, limits);
            files.usedWhy = "used: a file given on the command line";
            break;
        }
        out.inputs.push_back(parseGpoFiles(catalog, files, limits, out.problems));
    }
    return out;
}

} // namespace gpaudit::host
