// SPDX-License-Identifier: GPL-2.0-or-later
// The resultant policy for people (the layout of `auditpol /get /category:*`) and for programs (JSON).
#pragma once

#include "catalog.hxx"
#include "mapping.hxx"
#include "merge.hxx"
#include "translate.hxx"

#include <string>
#include <vector>

namespace gpaudit::core {

// A problem met while reading the GPOs, shown with the report (rejected files, warnings).
struct InputProblem {
    GpoRef gpo;
    bool rejected = false; // the file was ignored as a whole
    std::string message;   // "file:line:col: reason"
};

struct ReportInput {
    const Catalog &catalog;
    const Mapping &mapping;
    const Resultant &resultant;
    const Translation &translation;
    const std::vector<InputProblem> &problems;
};

std::string renderShowText(const ReportInput &input);
std::string renderShowJson(const ReportInput &input);

std::string jsonEscape(std::string_view text);

// What every subcategory becomes on Linux, or why it does not: a table, and the gpaudit-mapping(7)
// page (generated from the same data at build time, so the two cannot drift).
std::string renderMappingText(const Catalog &catalog, const Mapping &mapping);
std::string renderMappingMan(const Catalog &catalog, const Mapping &mapping, std::string_view version);

} // namespace gpaudit::core
