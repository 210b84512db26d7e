// SPDX-License-Identifier: GPL-2.0-or-later
// The resultant policy for people (the layout of `auditpol /get /category:*`) and for programs (JSON).
#pragma once

#include "core/linux/mapping.hxx"
#include "core/linux/translate.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/merge.hxx"

#include <string>
#include <vector>

namespace gpaudit::core {

// A problem met while reading the GPOs, shown with the report (rejected files, warnings).
struct InputProblem {
    GpoRef gpo;
    bool rejected = false; // the file was ignored as a whole
    std::string message;   // "file:line:col: reason"
};

// One GPO the Group Policy client considered (MS-GPOL 3.2.5.1), with what became of it.
struct GpoStatus {
    std::string guid;
    std::string name;
    std::string som; // where it is linked
    bool enforced = false;
    bool applied = false;
    std::string reason;        // why not applied, or notes
    std::uint32_t version = 0; // computer version used
    bool audit = false;        // lists the audit CSE
    bool security = false;     // lists the security CSE
    std::string status;        // applied GPOs: fetched, cached, kept version N (fetch failed), ...
    bool registry = false;     // lists the registry CSE (Registry.pol)
};

// Where a domain policy came from: shown above the table and as "domain" in the JSON.
struct DomainSummary {
    std::string realm;
    std::string machine;
    std::string dc;
    std::string site;
    std::string computerDn;
    std::string time; // of the sync that applied it
    std::vector<GpoStatus> gpos;
    bool lastKnownGood = false; // the DC could not be reached; this is the last applied policy
    std::string unreachable;
};

struct ReportInput {
    const Catalog &catalog;
    const Mapping &mapping;
    const Resultant &resultant;
    const Translation &translation;
    const std::vector<InputProblem> &problems;
    const DomainSummary *domain = nullptr; // set for a policy read from the domain
};

// The GPO list as text: "applied"/"skipped" with the reason, in processing order.
std::string renderGpoList(const DomainSummary &domain);

std::string renderShowText(const ReportInput &input);
std::string renderShowJson(const ReportInput &input);

std::string jsonEscape(std::string_view text);

// What every subcategory becomes on Linux, or why it does not: a table, and the gpaudit-mapping(7)
// page (generated from the same data at build time, so the two cannot drift).
std::string renderMappingText(const Catalog &catalog, const Mapping &mapping);
std::string renderMappingMan(const Catalog &catalog, const Mapping &mapping, std::string_view version);

} // namespace gpaudit::core
