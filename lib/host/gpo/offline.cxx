// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/gpo/offline.hxx"

#include "host/files/files.hxx"

#include <algorithm>
#include <sys/stat.h>

namespace gpaudit::host {

bool LoadedPolicy::anyRejected() const
{
    return std::any_of(problems.begin(), problems.end(), [](const auto &p) { return p.rejected; });
}

namespace {

// The size is checked before reading, so that the error names the limit (max_file_size).
Result<std::string> readPolicyFile(const std::string &path, const core::PolicyLimits &limits)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
        if (auto ok = core::checkFileSize(static_cast<std::size_t>(st.st_size), path, limits); !ok)
            return tl::unexpected(ok.error());
    return readFileBounded(path, limits.maxFileSize);
}

// The problem's own GPO names the file already when it is a single file given on the command line:
// the message then carries the location without the file name again.
std::string problemText(const Error &error, const core::GpoInput &input)
{
    if (input.gpo.guid.empty() && error.where.file == input.gpo.name) {
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

void readAuditCsv(const core::Catalog &catalog, const std::string &path, core::GpoInput &input, LoadedPolicy &out,
                  const core::PolicyLimits &limits, const std::string &why)
{
    core::FileUse use{"audit.csv", false, {}, {}};
    auto bytes = readPolicyFile(path, limits);
    if (!bytes) {
        out.problems.push_back({input.gpo, true, problemText(bytes.error(), input)});
        use.why = "rejected: not readable";
        input.files.push_back(std::move(use));
        return;
    }
    auto parsed = core::parseAuditCsv(*bytes, path, catalog, limits);
    if (!parsed) {
        out.problems.push_back(
            {input.gpo, true, problemText(parsed.error(), input) + " (audit.csv ignored as a whole, MS-GPAC 3.2.5)"});
        use.why = "rejected: does not conform to MS-GPAC 2.2, ignored as a whole (MS-GPAC 3.2.5); see the input "
                  "problems";
        input.files.push_back(std::move(use));
        return;
    }
    for (const auto &warning : parsed->warnings)
        out.problems.push_back({input.gpo, false, warning.str()});
    use.used = true;
    use.why = why;
    use.assumptions = parsed->assumptions;
    input.files.push_back(std::move(use));
    input.auditCsv = std::move(*parsed);
}

void readSecurityTemplate(const std::string &path, core::GpoInput &input, LoadedPolicy &out,
                          const core::PolicyLimits &limits, const std::string &why)
{
    core::FileUse use{"GptTmpl.inf", false, {}, {}};
    auto bytes = readPolicyFile(path, limits);
    if (!bytes) {
        out.problems.push_back({input.gpo, true, problemText(bytes.error(), input)});
        use.why = "rejected: not readable";
        input.files.push_back(std::move(use));
        return;
    }
    auto parsed = core::parseSecurityTemplate(*bytes, path, limits);
    if (!parsed) {
        out.problems.push_back({input.gpo, true, problemText(parsed.error(), input) + " (GptTmpl.inf ignored)"});
        use.why = "rejected: does not parse; see the input problems";
        input.files.push_back(std::move(use));
        return;
    }
    for (const auto &warning : parsed->warnings)
        out.problems.push_back({input.gpo, false, warning.str()});
    use.used = true;
    use.why = why;
    input.files.push_back(std::move(use));
    input.securityTemplate = std::move(*parsed);
}

void readRegistryPol(const std::string &path, core::GpoInput &input, LoadedPolicy &out,
                     const core::PolicyLimits &limits, const std::string &why)
{
    core::FileUse use{"Registry.pol", false, {}, {}};
    auto bytes = readPolicyFile(path, limits);
    if (!bytes) {
        out.problems.push_back({input.gpo, true, problemText(bytes.error(), input)});
        use.why = "rejected: not readable";
        input.files.push_back(std::move(use));
        return;
    }
    auto parsed = core::parseRegistryPol(*bytes, path, limits);
    if (!parsed) {
        out.problems.push_back({input.gpo, true, problemText(parsed.error(), input) + " (Registry.pol ignored)"});
        use.why = "rejected: does not parse; see the input problems";
        input.files.push_back(std::move(use));
        return;
    }
    use.used = true;
    use.why = why;
    input.files.push_back(std::move(use));
    input.registryPol = std::move(*parsed);
}

// One file of a GPO folder: read when the GPO registers its extension, or when no list is known.
template <typename Read>
void readGpoFile(core::PolicyFile kind, const std::optional<std::string> &path,
                 const std::optional<core::ExtensionList> &extensions, core::GpoInput &input, Read read)
{
    const auto decision = core::decidePolicyFile(kind, extensions);
    if (!path) {
        if (extensions && decision.read)
            input.files.push_back({std::string(core::policyFileName(kind)),
                                   false,
                                   "absent: its extension is registered but the GPO has no such file",
                                   {}});
        return;
    }
    if (!decision.read) {
        input.files.push_back({std::string(core::policyFileName(kind)), false, decision.why, {}});
        return;
    }
    read(*path, decision.why);
}

} // namespace

Result<LoadedPolicy> loadPolicySources(const core::Catalog &catalog, const std::vector<PolicySource> &sources,
                                       const core::PolicyLimits &limits)
{
    LoadedPolicy out;
    for (const auto &source : sources) {
        core::GpoInput input;
        switch (source.kind) {
        case PolicySource::Kind::GpoFolder: {
            auto folder = openGpoFolder(source.path);
            if (!folder)
                return tl::unexpected(folder.error());
            input.gpo = folder->gpo;
            // MS-GPOL 3.2.5.1.10: each file only when the GPO registers its extension (a GPMC backup's
            // Backup.xml says which); a folder with no list is read whole, and says so.
            readGpoFile(core::PolicyFile::AuditCsv, folder->auditCsv, folder->extensions, input,
                        [&](const std::string &path, const std::string &why) {
                            readAuditCsv(catalog, path, input, out, limits, why);
                        });
            readGpoFile(core::PolicyFile::GptTmplInf, folder->gptTmplInf, folder->extensions, input,
                        [&](const std::string &path, const std::string &why) {
                            readSecurityTemplate(path, input, out, limits, why);
                        });
            readGpoFile(core::PolicyFile::RegistryPol, folder->registryPol, folder->extensions, input,
                        [&](const std::string &path, const std::string &why) {
                            readRegistryPol(path, input, out, limits, why);
                        });
            break;
        }
        case PolicySource::Kind::AuditCsv:
            input.gpo = {"", source.path};
            readAuditCsv(catalog, source.path, input, out, limits, "used: a file given on the command line");
            break;
        case PolicySource::Kind::GptTmplInf:
            input.gpo = {"", source.path};
            readSecurityTemplate(source.path, input, out, limits, "used: a file given on the command line");
            break;
        }
        out.inputs.push_back(std::move(input));
    }
    return out;
}

} // namespace gpaudit::host
