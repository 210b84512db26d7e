// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/report/report.hxx"

#include "core/base/safe_text.hxx"
#include "core/base/text.hxx"

#include <cstdio>

namespace gpaudit::core {

namespace {

std::string pad(std::string text, std::size_t width)
{
    if (text.size() < width)
        text.append(width - text.size(), ' ');
    else
        text += ' ';
    return text;
}

std::string linuxColumn(const SubcategoryMapping &map)
{
    if (!map.mapped)
        return "unmapped";
    return map.coarse() ? "coarse" : "mapped";
}

std::string sourceText(const SubcategoryResult &result)
{
    switch (result.origin) {
    case Origin::NotConfigured:
        return "(not configured)";
    case Origin::Advanced:
        return result.source.str();
    case Origin::Legacy:
        return result.source.str() + " [legacy " + result.legacyKey + "]";
    }
    return {};
}

void jsonGpo(std::string &out, const GpoRef &gpo)
{
    out += "{\"guid\": ";
    out += gpo.guid.empty() ? "null" : "\"{" + gpo.guid + "}\"";
    out += ", \"name\": \"" + jsonEscape(gpo.name) + "\"}";
}

} // namespace

// RFC 8259 7: quote, backslash and every control character escaped. The output is valid UTF-8 whatever
// the input: a byte that is not UTF-8 becomes the visible text \xHH (as displayText shows it), and C1
// controls, DEL and the bidirectional/line-separator format characters are \u-escaped, so a JSON
// consumer that prints a value cannot be steered by it.
std::string jsonEscape(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
    // displayText keeps printable text and turns everything else into ASCII escapes (with a backslash,
    // escaped below) except for the control characters JSON itself can carry as \n \r \t: those are
    // done here first, so a JSON reader gets them back.
    std::size_t start = 0;
    const auto flush = [&](std::size_t end) {
        for (char c : displayText(text.substr(start, end - start))) {
            if (c == '"')
                out += "\\\"";
            else if (c == '\\')
                out += "\\\\";
            else
                out += c;
        }
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '\n' && c != '\r' && c != '\t')
            continue;
        flush(i);
        out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
        start = i + 1;
    }
    flush(text.size());
    return out;
}

std::string renderGpoList(const DomainSummary &domain)
{
    // Every value here comes from the domain or the state directory: escaped (safe_text.hxx).
    const auto show = [](const std::string &text) { return displayText(text); };
    std::string out = "Domain " + show(domain.realm) + ", computer " + show(domain.machine);
    if (!domain.computerDn.empty())
        out += " (" + show(domain.computerDn) + ")";
    out += "\nDomain controller " + (domain.dc.empty() ? std::string("-") : show(domain.dc)) + ", site " +
           (domain.site.empty() ? std::string("-") : show(domain.site)) + "; applied " + show(domain.time) + "\n";
    if (domain.lastKnownGood)
        out += "LAST-KNOWN-GOOD: the domain could not be reached (" + show(domain.unreachable) +
               "); this is the last applied policy\n";
    out += "\nGroup Policy objects, in processing order (the last applied wins):\n";
    for (const auto &g : domain.gpos) {
        out += std::string(g.applied ? "  applied  " : "  skipped  ") + show(g.name) + " {" + show(g.guid) + "}";
        out += "\n             linked at " + show(g.som) + (g.enforced ? " (enforced)" : "");
        if (g.applied)
            out += ", version " + std::to_string(g.version) + (g.status.empty() ? "" : ", " + show(g.status));
        if (!g.reason.empty())
            out += std::string(g.applied ? "; note: " : "; why: ") + show(g.reason);
        out += "\n";
    }
    if (domain.gpos.empty())
        out += "  (none linked)\n";
    return out;
}

std::string renderShowText(const ReportInput &input)
{
    const auto &catalog = input.catalog;
    const auto &resultant = input.resultant;
    std::string out;
    if (input.domain != nullptr)
        out += renderGpoList(*input.domain) + "\n";
    out += "System audit policy\n";
    constexpr std::size_t kNameWidth = 42; // auditpol's column
    constexpr std::size_t kSettingWidth = 22;
    constexpr std::size_t kLinuxWidth = 10;
    out += pad("Category/Subcategory", kNameWidth) + pad("Setting", kSettingWidth) + pad("Linux", kLinuxWidth) +
           "Winning GPO\n";
    for (const auto &category : catalog.categories()) {
        out += category.name + "\n";
        for (auto index : category.subcategories) {
            const auto &sub = catalog.subcategories()[index];
            const auto &result = resultant.subcategories[index];
            auto line = pad("  " + sub.auditpolName, kNameWidth) +
                        pad(std::string(settingText(result.value)), kSettingWidth) +
                        pad(linuxColumn(input.mapping.of(index)), kLinuxWidth) + sourceText(result);
            while (!line.empty() && line.back() == ' ')
                line.pop_back();
            out += line + "\n";
        }
    }

    out += "\nAudit options\n";
    for (std::size_t i = 0; i < kAuditOptionNames.size(); ++i) {
        const auto &option = resultant.options[i];
        auto line =
            pad("  " + std::string(kAuditOptionNames[i]), kNameWidth) +
            pad(option ? (option->enabled ? "Enabled" : "Disabled") : "Not Configured", kSettingWidth + kLinuxWidth) +
            (option ? option->source.str() : "");
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line + "\n";
    }

    // Administrative Templates (Registry.pol, MS-GPREG): shown only when a GPO's Registry.pol sets or
    // deletes the value, so that the report of a policy without one is unchanged.
    if (const auto &setting = resultant.includeCommandLine) {
        out += "\nAdministrative Templates (Registry.pol)\n";
        std::string state;
        if (setting->outcome.kind == RegistryOutcome::Kind::Deleted)
            state = "Not Configured (" + setting->outcome.directive + ")";
        else if (auto value = setting->outcome.dword())
            state = std::string(setting->enabled() ? "Enabled" : "Disabled") + " (" + std::to_string(*value) + ")";
        else
            state = "Disabled (not a REG_DWORD)";
        out += pad("  Include command line in process creation events", 52) + pad(state, 22) + setting->source.str() +
               "\n";
    }

    out += "\nGlobal object access auditing\n";
    for (auto [label, list] :
         {std::pair{"File system", &resultant.fileGlobalSacl}, std::pair{"Registry", &resultant.registryGlobalSacl}}) {
        if (list->empty()) {
            out += "  " + std::string(label) + ": (none)\n";
            continue;
        }
        out += "  " + std::string(label) + ":\n";
        for (const auto &sourced : *list)
            out += "    " + displayText(sourced.ace.str()) + "  " + sourced.source.str() + "\n";
    }

    out += "\nLegacy audit policy ([Event Audit]): ";
    if (resultant.legacyMode != LegacyMode::Auto)
        out += resultant.legacyApplied ? "applied (forced locally)\n" : "ignored (forced locally)\n";
    else if (resultant.sceNoApplyLegacyAuditPolicy)
        out += std::string(resultant.legacyApplied ? "applied" : "ignored") +
               " (SCENoApplyLegacyAuditPolicy=" + std::to_string(resultant.sceNoApplyLegacyAuditPolicy->value) + ", " +
               resultant.sceNoApplyLegacyAuditPolicy->source.str() + ")\n";
    else
        out += "applied (SCENoApplyLegacyAuditPolicy not set)\n";

    if (!resultant.perUser.empty()) {
        out += "\nPer-user audit policy\n";
        for (const auto &user : resultant.perUser) {
            if (user.implicit)
                continue;
            const auto &sub = catalog.subcategories()[user.subcategory];
            out += "  " + pad(user.sid.str(), 48) + pad(sub.auditpolName, 34) + "value " + std::to_string(user.value) +
                   "  " + user.source.str() + "\n";
        }
        out += "  (other subcategories of these users: Include Failure, MS-GPAC 2.2.1.3.2 <6>)\n";
    }

    out += "\nGPOs, lowest precedence first\n";
    if (resultant.gpos.empty())
        out += "  (none)\n";
    for (std::size_t i = 0; i < resultant.gpos.size(); ++i) {
        out += "  " + std::to_string(i + 1) + ". " + resultant.gpos[i].str() + "\n";
        // Which of its files were used and which ignored, and why (MS-GPOL 3.2.5.1.10 and the CSE's
        // own section); what was assumed to read a localized file.
        if (i < resultant.files.size())
            for (const auto &file : resultant.files[i]) {
                out += "       " + file.file + ": " + displayText(file.why) + "\n";
                for (const auto &assumed : file.assumptions)
                    out += "         assumed: " + displayText(assumed) + "\n";
            }
    }
    std::size_t syscallRules = 0;
    for (const auto &rule : input.translation.rules)
        if (rule.list == AuditRule::List::Exit && !rule.isWatch())
            ++syscallRules;
    out += "\nLinux audit: " + std::to_string(input.translation.rules.size()) + " rules (" +
           std::to_string(syscallRules) + " on the syscall exit list, " +
           std::to_string(input.translation.exitRuleCount() - syscallRules) + " file watches, " +
           std::to_string(input.translation.rules.size() - input.translation.exitRuleCount()) + " record filters), " +
           std::to_string(input.translation.status.size()) + " status settings\n";
    if (!input.translation.notes.empty()) {
        out += "\nNotes\n";
        for (const auto &note : input.translation.notes)
            out += "  " + (note.subcategory.empty() ? "" : note.subcategory + ": ") + displayText(note.message) + "\n";
    }
    if (!input.problems.empty()) {
        out += "\nInput problems\n";
        for (const auto &problem : input.problems)
            out += std::string("  ") + (problem.rejected ? "REJECTED " : "warning ") + problem.gpo.str() + ": " +
                   displayText(problem.message) + "\n";
    }
    return out;
}

std::string renderShowJson(const ReportInput &input)
{
    const auto &catalog = input.catalog;
    const auto &resultant = input.resultant;
    std::string out = "{\n";
    if (input.domain != nullptr) {
        const auto &d = *input.domain;
        out += "  \"domain\": {\"realm\": \"" + jsonEscape(d.realm) + "\", \"machine\": \"" + jsonEscape(d.machine) +
               "\", \"dc\": \"" + jsonEscape(d.dc) + "\", \"site\": \"" + jsonEscape(d.site) +
               "\", \"computerDn\": \"" + jsonEscape(d.computerDn) + "\", \"time\": \"" + jsonEscape(d.time) +
               "\", \"lastKnownGood\": " + (d.lastKnownGood ? "true" : "false") + ", \"unreachable\": " +
               (d.unreachable.empty() ? std::string("null") : "\"" + jsonEscape(d.unreachable) + "\"") +
               ",\n    \"gpos\": [";
        for (std::size_t i = 0; i < d.gpos.size(); ++i) {
            const auto &g = d.gpos[i];
            out += std::string(i == 0 ? "\n" : ",\n") + "      {\"guid\": \"{" + g.guid + "}\", \"name\": \"" +
                   jsonEscape(g.name) + "\", \"som\": \"" + jsonEscape(g.som) +
                   "\", \"enforced\": " + (g.enforced ? "true" : "false") +
                   ", \"applied\": " + (g.applied ? "true" : "false") + ", \"reason\": \"" + jsonEscape(g.reason) +
                   "\", \"version\": " + std::to_string(g.version) + ", \"audit\": " + (g.audit ? "true" : "false") +
                   ", \"security\": " + (g.security ? "true" : "false") + ", \"status\": \"" + jsonEscape(g.status) +
                   "\"}";
        }
        out += "]},\n";
    }
    out += "  \"subcategories\": [\n";
    bool first = true;
    for (const auto &category : catalog.categories()) {
        for (auto index : category.subcategories) {
            const auto &sub = catalog.subcategories()[index];
            const auto &result = resultant.subcategories[index];
            const auto &map = input.mapping.of(index);
            out += first ? "" : ",\n";
            first = false;
            out += "    {\"guid\": \"{" + sub.guid + "}\", \"name\": \"" + jsonEscape(sub.name) + "\", \"slug\": \"" +
                   sub.slug + "\", \"category\": \"" + jsonEscape(category.name) +
                   "\", \"value\": " + std::to_string(result.value) + ", \"setting\": \"" +
                   std::string(settingText(result.value)) +
                   "\", \"configured\": " + (result.origin == Origin::NotConfigured ? "false" : "true") +
                   ", \"origin\": \"" +
                   (result.origin == Origin::Advanced ? "advanced"
                    : result.origin == Origin::Legacy ? "legacy:" + result.legacyKey
                                                      : "none") +
                   "\", \"mapped\": " + (map.mapped ? "true" : "false") +
                   ", \"coarse\": " + (map.coarse() ? "true" : "false") + ", \"linux\": \"" +
                   jsonEscape(map.mapped ? map.how : map.unmappedReason) + "\", \"source\": ";
            if (result.origin == Origin::NotConfigured)
                out += "null";
            else
                jsonGpo(out, result.source);
            out += "}";
        }
    }
    out += "\n  ],\n  \"options\": {";
    for (std::size_t i = 0; i < kAuditOptionNames.size(); ++i) {
        const auto &option = resultant.options[i];
        out += (i == 0 ? "" : ", ") + std::string("\"") + std::string(kAuditOptionNames[i]) + "\": ";
        if (!option) {
            out += "null";
            continue;
        }
        out += std::string("{\"enabled\": ") + (option->enabled ? "true" : "false") + ", \"source\": ";
        jsonGpo(out, option->source);
        out += "}";
    }
    out += "},\n";
    // Only when a GPO's Registry.pol sets or deletes it (absent: not configured).
    if (const auto &setting = resultant.includeCommandLine) {
        out += std::string("  \"includeCommandLine\": {\"enabled\": ") + (setting->enabled() ? "true" : "false") +
               ", \"value\": ";
        const auto value = setting->outcome.dword();
        out += value ? std::to_string(*value) : std::string("null");
        out += ", \"deletedBy\": ";
        out += setting->outcome.kind == RegistryOutcome::Kind::Deleted ? "\"" + setting->outcome.directive + "\""
                                                                       : std::string("null");
        out += ", \"source\": ";
        jsonGpo(out, setting->source);
        out += "},\n";
    }
    for (auto [label, list] : {std::pair{"fileGlobalSacl", &resultant.fileGlobalSacl},
                               std::pair{"registryGlobalSacl", &resultant.registryGlobalSacl}}) {
        out += "  \"" + std::string(label) + "\": [";
        for (std::size_t i = 0; i < list->size(); ++i) {
            out += (i == 0 ? "" : ", ") + std::string("{\"ace\": \"") + jsonEscape((*list)[i].ace.str()) +
                   "\", \"source\": ";
            jsonGpo(out, (*list)[i].source);
            out += "}";
        }
        out += "],\n";
    }
    out += "  \"perUser\": [";
    first = true;
    for (const auto &user : resultant.perUser) {
        if (user.implicit)
            continue;
        out += first ? "" : ", ";
        first = false;
        out += "{\"sid\": \"" + user.sid.str() + "\", \"subcategory\": \"{" +
               catalog.subcategories()[user.subcategory].guid + "}\", \"value\": " + std::to_string(user.value) +
               ", \"source\": ";
        jsonGpo(out, user.source);
        out += "}";
    }
    out += "],\n  \"legacy\": {\"applied\": ";
    out += resultant.legacyApplied ? "true" : "false";
    out += ", \"mode\": \"";
    out += resultant.legacyMode == LegacyMode::Auto    ? "auto"
           : resultant.legacyMode == LegacyMode::Apply ? "apply"
                                                       : "ignore";
    out += "\", \"sceNoApplyLegacyAuditPolicy\": ";
    if (resultant.sceNoApplyLegacyAuditPolicy) {
        out += "{\"value\": " + std::to_string(resultant.sceNoApplyLegacyAuditPolicy->value) + ", \"source\": ";
        jsonGpo(out, resultant.sceNoApplyLegacyAuditPolicy->source);
        out += "}";
    } else {
        out += "null";
    }
    out += "},\n  \"gpos\": [";
    for (std::size_t i = 0; i < resultant.gpos.size(); ++i) {
        out += i == 0 ? "" : ", ";
        jsonGpo(out, resultant.gpos[i]);
        // {"guid", "name", "files": [{"file", "used", "why", "assumptions": [...]}]}
        out.pop_back();
        out += ", \"files\": [";
        const auto *files = i < resultant.files.size() ? &resultant.files[i] : nullptr;
        for (std::size_t f = 0; files != nullptr && f < files->size(); ++f) {
            const auto &file = (*files)[f];
            out += std::string(f == 0 ? "" : ", ") + "{\"file\": \"" + jsonEscape(file.file) +
                   "\", \"used\": " + (file.used ? "true" : "false") + ", \"why\": \"" + jsonEscape(file.why) +
                   "\", \"assumptions\": [";
            for (std::size_t a = 0; a < file.assumptions.size(); ++a)
                out += std::string(a == 0 ? "\"" : ", \"") + jsonEscape(file.assumptions[a]) + "\"";
            out += "]}";
        }
        out += "]}";
    }
    out += "],\n  \"rules\": {\"total\": " + std::to_string(input.translation.rules.size()) +
           ", \"exit\": " + std::to_string(input.translation.exitRuleCount()) +
           ", \"status\": " + std::to_string(input.translation.status.size()) + "},\n  \"notes\": [";
    for (std::size_t i = 0; i < input.translation.notes.size(); ++i) {
        const auto &note = input.translation.notes[i];
        out += (i == 0 ? "" : ", ") + std::string("{\"subcategory\": ") +
               (note.subcategory.empty() ? "null" : "\"" + note.subcategory + "\"") + ", \"message\": \"" +
               jsonEscape(note.message) + "\"}";
    }
    out += "],\n  \"problems\": [";
    for (std::size_t i = 0; i < input.problems.size(); ++i) {
        const auto &problem = input.problems[i];
        out += (i == 0 ? "" : ", ") + std::string("{\"gpo\": ");
        jsonGpo(out, problem.gpo);
        out += std::string(", \"rejected\": ") + (problem.rejected ? "true" : "false") + ", \"message\": \"" +
               jsonEscape(problem.message) + "\"}";
    }
    out += "]\n}\n";
    return out;
}

namespace {

std::string ruleSummary(const SubcategoryMapping &map)
{
    std::string out;
    for (const auto &rule : map.rules) {
        std::string one;
        if (!rule.path.empty())
            one = "watch " + rule.path + " (" + rule.perm + ")";
        else if (!rule.dir.empty() && rule.syscalls.empty())
            one = "watch " + rule.dir + "/ (" + rule.perm + ")";
        else {
            for (const auto &name : rule.syscalls)
                one += (one.empty() ? "" : ",") + name;
            if (!rule.dir.empty())
                one += " under " + rule.dir;
        }
        for (const auto &field : rule.fields)
            one += std::string(" ") + (field.compare ? "-C " : "-F ") + field.str();
        if (rule.result == ResultMode::FailureExits) {
            one += " failing with";
            for (const auto &code : rule.exits)
                one += " " + code;
        }
        if (!rule.whenOption.empty())
            one += " [with " + rule.whenOption + "]";
        out += (out.empty() ? "" : "; ") + one;
    }
    return out;
}

std::string records(const SubcategoryMapping &map)
{
    std::string out;
    for (const auto *list : {&map.userRecords, &map.kernelRecords})
        for (const auto &type : *list)
            out += (out.empty() ? "" : ", ") + type;
    return out;
}

std::string roffEscape(std::string_view text)
{
    std::string out;
    for (char c : text) {
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else
            out += c;
    }
    if (!out.empty() && (out.front() == '.' || out.front() == '\''))
        out.insert(0, "\\&");
    return out;
}

} // namespace

std::string renderMappingText(const Catalog &catalog, const Mapping &mapping)
{
    std::string out;
    for (const auto &category : catalog.categories()) {
        out += category.name + "\n";
        for (auto index : category.subcategories) {
            const auto &sub = catalog.subcategories()[index];
            const auto &map = mapping.of(index);
            out += "  " + pad(sub.auditpolName, 40) + pad(linuxColumn(map), 10) +
                   (map.mapped ? map.how : map.unmappedReason) + "\n";
            if (!map.rules.empty())
                out += "      rules:   " + ruleSummary(map) + "\n";
            if (!map.userRecords.empty() || !map.kernelRecords.empty())
                out += "      records: " + records(map) + "\n";
            if (!map.windows.empty())
                out += "      windows: " + map.windows + "\n";
        }
    }
    return out;
}

namespace {
// A syscall list ("chmod,chown,...") is one word to roff, which can neither fill nor break it (man
// --warnings: "cannot adjust line"): on the page the commas are followed by a space. \% keeps roff
// from hyphenating a syscall name.
std::string breakAfterCommas(const std::string &text)
{
    std::string out = "\\%";
    for (char c : text) {
        out += c;
        if (c == ',')
            out += " \\%";
    }
    return out;
}
} // namespace

std::string renderMappingMan(const Catalog &catalog, const Mapping &mapping, std::string_view version)
{
    std::string out = ".\\\" Generated by `gpauditctl mapping --man` from rules/*.yaml. Do not edit.\n";
    out += ".TH GPAUDIT\\-MAPPING 7 \"\" \"gpaudit " + std::string(version) + "\" \"gpaudit\"\n";
    out += ".SH NAME\ngpaudit\\-mapping \\- what each Windows audit subcategory becomes in Linux audit\n";
    out += ".SH DESCRIPTION\nFor each of the 59 audit subcategories of MS\\-GPAC 2.2.1.2, grouped as\n.B auditpol\n"
           "groups them: how gpaudit realises it with Linux audit rules and records, or why Linux has no analogue.\n"
           ".B mapped\nsubcategories have rules;\n.B coarse\nones only records that user space or the kernel emits "
           "without rules, which the kernel cannot split by success and failure;\n.B unmapped\nones have no "
           "Linux realisation. Rules carry the key\n.BI gpaudit\\- slug .\n"
           "The data is installed in\n.IR /usr/share/gpaudit/mapping.yaml ;\nthis page is generated from it.\n";
    for (const auto &category : catalog.categories()) {
        out += ".SH " + roffEscape(toUpper(category.name)) + "\n";
        for (auto index : category.subcategories) {
            const auto &sub = catalog.subcategories()[index];
            const auto &map = mapping.of(index);
            out += ".TP\n.B " + roffEscape(sub.name) + "\n";
            out += "{" + sub.guid + "}, key gpaudit\\-" + roffEscape(sub.slug) + ", " + linuxColumn(map) + ": " +
                   roffEscape(map.mapped ? map.how : map.unmappedReason) + ".\n";
            if (!map.rules.empty())
                out += ".br\nRules: " + breakAfterCommas(roffEscape(ruleSummary(map))) + ".\n";
            if (!map.userRecords.empty() || !map.kernelRecords.empty())
                out += ".br\nRecords: " + breakAfterCommas(roffEscape(records(map))) + ".\n";
            if (!map.windows.empty())
                out += ".br\nWindows events (gpauditctl search): " + roffEscape(map.windows) + "\n";
        }
    }
    out += ".SH SEE ALSO\n.BR gpauditctl (8),\n.BR auditctl (8),\n.BR audit.rules (7)\n";
    return out;
}

} // namespace gpaudit::core
