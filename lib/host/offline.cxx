// SPDX-License-Identifier: GPL-2.0-or-later
#include "offline.hxx"

#include "files.hxx"

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

void readAuditCsv(const core::Catalog &catalog, const std::string &path, core::GpoInput &input, LoadedPolicy &out,
                  const core::PolicyLimits &limits)
{
    auto bytes = readPolicyFile(path, limits);
    if (!bytes) {
        out.problems.push_back({input.gpo, true, bytes.error().str()});
        return;
    }
    auto parsed = core::parseAuditCsv(*bytes, path, catalog, limits);
    if (!parsed) {
        out.problems.push_back(
            {input.gpo, true, parsed.error().str() + " (audit.csv ignored as a whole, MS-GPAC 3.2.5)"});
        return;
    }
    for (const auto &warning : parsed->warnings)
        out.problems.push_back({input.gpo, false, warning.str()});
    input.auditCsv = std::move(*parsed);
}

void readSecurityTemplate(const std::string &path, core::GpoInput &input, LoadedPolicy &out,
                          const core::PolicyLimits &limits)
{
    auto bytes = readPolicyFile(path, limits);
    if (!bytes) {
        out.problems.push_back({input.gpo, true, bytes.error().str()});
        return;
    }
    auto parsed = core::parseSecurityTemplate(*bytes, path, limits);
    if (!parsed) {
        out.problems.push_back({input.gpo, true, parsed.error().str() + " (GptTmpl.inf ignored)"});
        return;
    }
    for (const auto &warning : parsed->warnings)
        out.problems.push_back({input.gpo, false, warning.str()});
    input.securityTemplate = std::move(*parsed);
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
            if (folder->auditCsv)
                readAuditCsv(catalog, *folder->auditCsv, input, out, limits);
            if (folder->gptTmplInf)
                readSecurityTemplate(*folder->gptTmplInf, input, out, limits);
            break;
        }
        case PolicySource::Kind::AuditCsv:
            input.gpo = {"", source.path};
            readAuditCsv(catalog, source.path, input, out, limits);
            break;
        case PolicySource::Kind::GptTmplInf:
            input.gpo = {"", source.path};
            readSecurityTemplate(source.path, input, out, limits);
            break;
        }
        out.inputs.push_back(std::move(input));
    }
    return out;
}

} // namespace gpaudit::host
