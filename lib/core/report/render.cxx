// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/report/render.hxx"

#include "core/base/time_text.hxx"

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
    if (!map.mapped) {
        // Issue 16: realised only by a Samba AD DC's audit logging.
        if (map.samba)
            return map.samba->coarse.empty() ? "mapped" : "coarse";
        return "unmapped";
    }
    return map.coarse() ? "coarse" : "mapped";
}

// The how/why text: the kernel's realisation, or a Samba AD DC's when the kernel has none (issue 16).
std::string howText(const SubcategoryMapping &map)
{
    if (!map.mapped && map.samba)
        return map.samba->how;
    return map.mapped ? map.how : map.unmappedReason;
}

// "success auth_json_audit:3; failure auth_json_audit:2; events 4768, 4771" (issue 16).
std::string sambaSummary(const SambaRealisation &samba)
{
    auto join = [](const std::vector<std::string> &list, const char *sep) {
        std::string out;
        for (const auto &item : list)
            out += (out.empty() ? "" : sep) + item;
        return out.empty() ? std::string("-") : out;
    };
    return "success " + join(samba.success, " ") + "; failure " + join(samba.failure, " ") + "; events " +
           join(samba.events, ", ");
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

Json gpoJson(const GpoRef &gpo)
{
    return Json{{"guid", gpo.guid.empty() ? Json(nullptr) : Json("{" + gpo.guid + "}")}, {"name", gpo.name}};
}

} // namespace

std::string renderGpoList(const SyncRecord &domain, std::string_view unreachable)
{
    // Every value here comes from the domain or the state directory: escaped (safe_text.hxx).
    const auto show = [](const std::string &text) { return displayText(text); };
    std::string out = "Domain " + show(domain.realm) + ", computer " + show(domain.machine);
    if (!domain.computerDn.empty())
        out += " (" + show(domain.computerDn) + ")";
    out += "\nDomain controller " + (domain.dc.empty() ? std::string("-") : show(domain.dc)) + ", site " +
           (domain.site.empty() ? std::string("-") : show(domain.site)) + "; applied " + show(domain.time) + "\n";
    if (!unreachable.empty())
        out += "LAST-KNOWN-GOOD: the domain could not be reached (" + displayText(unreachable) +
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
        out += renderGpoList(*input.domain, input.unreachable) + "\n";
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

namespace {

Json recordJson(const SyncRecord &d, std::string_view unreachable)
{
    Json gpos = Json::array();
    for (const auto &g : d.gpos)
        gpos.push_back({{"guid", "{" + g.guid + "}"},
                        {"name", g.name},
                        {"som", g.som},
                        {"enforced", g.enforced},
                        {"applied", g.applied},
                        {"reason", g.reason},
                        {"version", g.version},
                        {"audit", g.audit},
                        {"security", g.security},
                        {"status", g.status}});
    return {{"realm", d.realm},
            {"machine", d.machine},
            {"dc", d.dc},
            {"site", d.site},
            {"computerDn", d.computerDn},
            {"time", d.time},
            {"lastKnownGood", !unreachable.empty()},
            {"unreachable", unreachable.empty() ? Json(nullptr) : Json(std::string(unreachable))},
            {"gpos", std::move(gpos)}};
}

} // namespace

Json showJson(const ReportInput &input)
{
    const auto &catalog = input.catalog;
    const auto &resultant = input.resultant;
    Json out = Json::object();
    if (input.domain != nullptr)
        out["domain"] = recordJson(*input.domain, input.unreachable);
    Json subcategories = Json::array();
    for (const auto &category : catalog.categories()) {
        for (auto index : category.subcategories) {
            const auto &sub = catalog.subcategories()[index];
            const auto &result = resultant.subcategories[index];
            const auto &map = input.mapping.of(index);
            subcategories.push_back(
                {{"guid", "{" + sub.guid + "}"},
                 {"name", sub.name},
                 {"slug", sub.slug},
                 {"category", category.name},
                 {"value", result.value},
                 {"setting", std::string(settingText(result.value))},
                 {"configured", result.origin != Origin::NotConfigured},
                 {"origin", result.origin == Origin::Advanced ? "advanced"
                            : result.origin == Origin::Legacy ? "legacy:" + result.legacyKey
                                                              : "none"},
                 {"mapped", map.mapped},
                 {"coarse", map.coarse()},
                 {"linux", map.mapped ? map.how : map.unmappedReason},
                 {"samba", map.samba ? Json{{"how", map.samba->how},
                                            {"levels", sambaSummary(*map.samba)},
                                            {"coarse", map.samba->coarse}}
                                     : Json(nullptr)},
                 {"source", result.origin == Origin::NotConfigured ? Json(nullptr) : gpoJson(result.source)}});
        }
    }
    out["subcategories"] = std::move(subcategories);
    Json options = Json::object();
    for (std::size_t i = 0; i < kAuditOptionNames.size(); ++i) {
        const auto &option = resultant.options[i];
        options[std::string(kAuditOptionNames[i])] =
            option ? Json{{"enabled", option->enabled}, {"source", gpoJson(option->source)}} : Json(nullptr);
    }
    out["options"] = std::move(options);
    // Only when a GPO's Registry.pol sets or deletes it (absent: not configured).
    if (const auto &setting = resultant.includeCommandLine) {
        const auto value = setting->outcome.dword();
        out["includeCommandLine"] = {{"enabled", setting->enabled()},
                                     {"value", value ? Json(*value) : Json(nullptr)},
                                     {"deletedBy", setting->outcome.kind == RegistryOutcome::Kind::Deleted
                                                       ? Json(setting->outcome.directive)
                                                       : Json(nullptr)},
                                     {"source", gpoJson(setting->source)}};
    }
    for (auto [label, list] : {std::pair{"fileGlobalSacl", &resultant.fileGlobalSacl},
                               std::pair{"registryGlobalSacl", &resultant.registryGlobalSacl}}) {
        Json aces = Json::array();
        for (const auto &sourced : *list)
            aces.push_back({{"ace", sourced.ace.str()}, {"source", gpoJson(sourced.source)}});
        out[label] = std::move(aces);
    }
    Json perUser = Json::array();
    for (const auto &user : resultant.perUser)
        if (!user.implicit)
            perUser.push_back({{"sid", user.sid.str()},
                               {"subcategory", "{" + catalog.subcategories()[user.subcategory].guid + "}"},
                               {"value", user.value},
                               {"source", gpoJson(user.source)}});
    out["perUser"] = std::move(perUser);
    const auto &sce = resultant.sceNoApplyLegacyAuditPolicy;
    out["legacy"] = {{"applied", resultant.legacyApplied},
                     {"mode", resultant.legacyMode == LegacyMode::Auto    ? "auto"
                              : resultant.legacyMode == LegacyMode::Apply ? "apply"
                                                                          : "ignore"},
                     {"sceNoApplyLegacyAuditPolicy",
                      sce ? Json{{"value", sce->value}, {"source", gpoJson(sce->source)}} : Json(nullptr)}};
    Json gpos = Json::array();
    for (std::size_t i = 0; i < resultant.gpos.size(); ++i) {
        Json gpo = gpoJson(resultant.gpos[i]);
        Json files = Json::array();
        if (i < resultant.files.size())
            for (const auto &file : resultant.files[i])
                files.push_back(
                    {{"file", file.file}, {"used", file.used}, {"why", file.why}, {"assumptions", file.assumptions}});
        gpo["files"] = std::move(files);
        gpos.push_back(std::move(gpo));
    }
    out["gpos"] = std::move(gpos);
    out["rules"] = {{"total", input.translation.rules.size()},
                    {"exit", input.translation.exitRuleCount()},
                    {"status", input.translation.status.size()}};
    Json notes = Json::array();
    for (const auto &note : input.translation.notes)
        notes.push_back({{"subcategory", note.subcategory.empty() ? Json(nullptr) : Json(note.subcategory)},
                         {"message", note.message}});
    out["notes"] = std::move(notes);
    Json problems = Json::array();
    for (const auto &problem : input.problems)
        problems.push_back(
            {{"gpo", gpoJson(problem.gpo)}, {"rejected", problem.rejected}, {"message", problem.message}});
    out["problems"] = std::move(problems);
    return out;
}

std::string renderShowJson(const ReportInput &input)
{
    return dumpJson(showJson(input)) + "\n";
}

std::string renderProblem(const InputProblem &problem)
{
    return std::string(problem.rejected ? "error: " : "warning: ") + problem.gpo.str() + ": " + problem.message;
}

std::string_view resultKey(SyncResult result)
{
    switch (result) {
    case SyncResult::Ok:
        return "ok";
    case SyncResult::Partial:
        return "partial";
    case SyncResult::LastKnownGood:
        return "last-known-good";
    case SyncResult::Cached:
        return "cached";
    case SyncResult::Failed:
        return "failed";
    case SyncResult::NotJoined:
        return "not joined";
    }
    return "failed";
}

namespace {

// Stage and report-only change nothing in the kernel: their figures say what would change.
bool wouldOnly(const ApplySummary &apply)
{
    return apply.dryRun || apply.mode != ApplyMode::Apply;
}

} // namespace

std::string renderSambaSummary(const samba::SambaReport &report)
{
    if (!report.dc)
        return "samba: " + report.skipped;
    const bool would = report.wouldOnly;
    return "samba: log level " + report.levels + "; " + std::to_string(report.plan.lines.size()) +
           " subcategories; include file " +
           (report.includeChanged ? (would ? "would be written" : "written") : "unchanged") + "; " +
           (report.hookAdded
                ? (would ? "include line would be added to smb.conf; " : "include line added to smb.conf; ")
            : report.hooked ? ""
                            : "not included by smb.conf; ") +
           std::to_string(report.processes) + " processes " +
           (report.sent ? (would ? "would be set" : "set") : "already at these levels") + "; " +
           std::to_string(report.elapsed.count() / 1000) + " ms";
}

std::string renderApplyLine(const ApplySummary &apply)
{
    const bool would = wouldOnly(apply);
    std::string line;
    if (apply.mode == ApplyMode::ReportOnly)
        line = "report-only: ";
    else if (apply.mode == ApplyMode::Stage)
        line = std::string(apply.dryRun ? "would stage" : "staged") + ", takes effect at the next boot: ";
    line += std::string(would ? "would add " : "added ") + std::to_string(apply.added.size()) + ", " +
            (would ? "would remove " : "removed ") + std::to_string(apply.removed.size()) + ", unchanged " +
            std::to_string(apply.unchanged) +
            (apply.moved > 0 ? std::string(would ? ", would move " : ", moved ") + std::to_string(apply.moved) +
                                   " (to stand in the policy's order)"
                             : std::string()) +
            "; " + std::to_string(apply.netlinkWrites) + " netlink writes";
    if (apply.rulesFileWritten)
        line += std::string("; ") + (apply.dryRun ? "would write " : "wrote ") + apply.rulesFile;
    return line + "; " + millisText(apply.elapsed) + " ms";
}

namespace {

std::string statusChangeLine(const ApplySummary &apply, const std::string &change)
{
    return std::string(apply.mode == ApplyMode::Stage ? "at the next boot: "
                       : wouldOnly(apply)             ? "would "
                                                      : "") +
           "set " + change;
}

} // namespace

std::string renderApplyText(const ApplySummary &apply)
{
    std::string out;
    for (const auto &rule : apply.added)
        out += "+ " + rule + "\n";
    for (const auto &rule : apply.removed)
        out += "- " + rule + "\n";
    for (const auto &rule : apply.foreign)
        out += "  (already in the kernel as another's rule, left alone) " + rule + "\n";
    for (const auto &change : apply.statusChanges)
        out += "  " + statusChangeLine(apply, change) + "\n";
    return out + renderApplyLine(apply) + "\n";
}

std::vector<std::string> renderSyncEvent(const SyncEvent &event, std::string_view program, bool json)
{
    switch (event.kind) {
    case SyncEvent::Kind::Step:
        return {"[" + std::to_string(event.number) + "] " + event.text};
    case SyncEvent::Kind::LastKnownGood:
        return {"the domain could not be reached: " + event.text + "\n" + std::string(program) +
                ": the last-known-good policy of " + event.time + " (" + std::to_string(event.number) +
                " GPOs) stays in force"};
    case SyncEvent::Kind::Note:
        return {"warning: " + event.text};
    case SyncEvent::Kind::Problem:
        return {renderProblem({event.gpo, event.rejected, event.text})};
    case SyncEvent::Kind::Guardrail:
        return {"guardrail: " + event.text};
    case SyncEvent::Kind::Applied: {
        std::vector<std::string> lines;
        if (event.apply == nullptr)
            return lines;
        const auto &apply = *event.apply;
        if (apply.mode != ApplyMode::Apply)
            lines.push_back(apply.modeReason);
        for (const auto &rule : apply.foreign)
            lines.push_back("(already in the kernel as another's rule, left alone) " + rule);
        for (const auto &change : apply.statusChanges)
            lines.push_back(statusChangeLine(apply, change));
        if (!json)
            lines.push_back(renderApplyLine(apply));
        return lines;
    }
    case SyncEvent::Kind::Samba:
        return json ? std::vector<std::string>{} : std::vector<std::string>{event.text};
    case SyncEvent::Kind::Failed:
        return {event.text};
    }
    return {};
}

std::string renderSyncText(const SyncReport &report)
{
    const auto &stats = report.stats;
    const auto &record = report.record;
    const bool would = report.dryRun || (report.apply && report.apply->mode != ApplyMode::Apply);
    const ApplyMode mode = report.apply ? report.apply->mode : ApplyMode::Apply;
    const std::string modePrefix = mode == ApplyMode::Apply ? std::string() : std::string(modeName(mode)) + ": ";
    const std::size_t added = report.apply ? report.apply->added.size() : 0;
    const std::size_t removed = report.apply ? report.apply->removed.size() : 0;
    const std::size_t unchanged = report.apply ? report.apply->unchanged : 0;
    std::string out =
        "sync " + std::string(resultKey(report.result)) + (report.dryRun ? " (dry run)" : "") + ": DC " + record.dc +
        ", site " + (record.site.empty() ? "-" : record.site) + "; " + std::to_string(report.gposApplied) + " of " +
        std::to_string(record.gpos.size()) + " GPOs applied (" + std::to_string(stats.gposFetched) + " fetched, " +
        std::to_string(stats.gposCached) + " from cache); " + std::to_string(report.rules) + " rules (" + modePrefix +
        (would ? "would add " : "added ") + std::to_string(added) + ", " + (would ? "would remove " : "removed ") +
        std::to_string(removed) + ", unchanged " + std::to_string(unchanged) +
        (report.apply && report.apply->moved > 0
             ? std::string(would ? ", would move " : ", moved ") + std::to_string(report.apply->moved)
             : std::string()) +
        ")\n";
    out += "  LDAP: " + std::to_string(stats.ldapSearches) + " searches in " + std::to_string(stats.ldapRoundTrips) +
           " round trips (SSF " + std::to_string(stats.ssf) + (stats.ldapSessionKept ? ", session kept" : "") +
           (stats.dcAddress.empty() ? "" : ", DC address " + stats.dcAddress) +
           (stats.dcProved ? ", proved by an AS exchange" : "") +
           (stats.dcProofKept ? ", proved with the machine ticket" : "") + "); SMB: " + std::to_string(stats.smbFiles) +
           " files, " + std::to_string(stats.smbBytes) + " bytes\n  time:";
    for (const auto &s : stats.stages)
        out += " " + s.name + " " + millisText(s.elapsed) + " ms,";
    out += " total " + millisText(stats.total) + " ms\n";
    for (const auto &r : stats.dcRefused)
        out += "  passed over: " + r + "\n";
    return out + renderGpoList(record, report.unreachable);
}

std::string renderSyncJson(const SyncReport &report, const Catalog &catalog, const Mapping &mapping)
{
    const auto &stats = report.stats;
    const ApplyMode mode = report.apply ? report.apply->mode : ApplyMode::Apply;
    Json stages = Json::object();
    for (const auto &s : stats.stages)
        stages[s.name] = millisValue(s.elapsed);
    Json out{
        {"result", std::string(resultKey(report.result))},
        {"dryRun", report.dryRun},
        {"mode", std::string(modeKey(mode))},
        {"modeReason", report.apply ? report.apply->modeReason : std::string()},
        {"dc", report.record.dc},
        {"site", report.record.site},
        {"gposConsidered", report.record.gpos.size()},
        {"gposApplied", report.gposApplied},
        {"gposFetched", stats.gposFetched},
        {"gposCached", stats.gposCached},
        {"kerberos", {{"newTicket", stats.newTicket}, {"expires", stats.ticketExpires}}},
        {"ldap",
         {{"searches", stats.ldapSearches},
          {"roundTrips", stats.ldapRoundTrips},
          {"ssf", stats.ssf},
          {"sessionKept", stats.ldapSessionKept},
          {"address", stats.dcAddress},
          {"dcProved", stats.dcProved},
          {"dcProofKept", stats.dcProofKept},
          {"dcChecks", stats.dcChecks},
          {"dcRefused", stats.dcRefused}}},
        {"smb",
         {{"files", stats.smbFiles},
          {"bytes", stats.smbBytes},
          {"workers", stats.fetchWorkers},
          {"cacheUnchanged", stats.cacheUnchanged}}},
        {"rules",
         {{"total", report.rules},
          {"added", report.apply ? report.apply->added.size() : 0},
          {"removed", report.apply ? report.apply->removed.size() : 0},
          {"unchanged", report.apply ? report.apply->unchanged : 0},
          {"moved", report.apply ? report.apply->moved : 0}}},
        {"stagesMs", std::move(stages)},
        {"totalMs", millisValue(stats.total)},
        {"notes", report.notes},
        {"guardrails", report.guardrails},
    };
    if (!report.samba.empty())
        out["samba"] = report.samba;
    if (report.resultant && report.translation)
        out["policy"] = showJson({catalog, mapping, *report.resultant, *report.translation, report.problems,
                                  &report.record, report.unreachable});
    return dumpJson(out) + "\n";
}

std::vector<std::string> rulesFileHeader(std::string_view program, std::string_view version, std::string_view arch,
                                         const std::vector<GpoInput> &inputs, const SyncRecord *domain)
{
    std::vector<std::string> header = {"Linux audit rules generated by " + std::string(program) + " " +
                                       std::string(version) + " for " + std::string(arch)};
    if (domain != nullptr)
        header.push_back("domain " + domain->realm + ", computer " + domain->machine + ", DC " + domain->dc +
                         ", sync " + domain->time);
    header.push_back("from, lowest precedence first:");
    for (const auto &input : inputs)
        header.push_back("  " + input.gpo.str());
    header.push_back("Rules keyed gpaudit-* belong to gpaudit; do not edit, regenerate.");
    return header;
}

std::string renderOfflineStatusText(const OfflineStatus &status)
{
    std::string out = "gpauditd: not running (nothing listens at " + displayText(status.socket) + ")\n";
    if (status.kernel != nullptr)
        out += "  rules:       " + std::to_string(status.rulesInKernel) + " gpaudit rules in the kernel\n" +
               renderAuditStateText(*status.kernel, status.rulesInKernel);
    else
        out += "  kernel:      cannot read the audit status: " + status.kernelError + "\n";
    if (status.last == nullptr)
        return out + "last applied sync: none (" + status.lastError + ")\n";
    const auto &last = *status.last;
    out += "last applied sync: " + displayText(last.time) + ", DC " + displayText(last.dc) + ", site " +
           (last.site.empty() ? "-" : displayText(last.site)) + ", " + std::to_string(last.applied.size()) +
           " GPOs applied\n";
    if (last.mode == "staged")
        out += "mode: staged, takes effect at the next boot (the kernel's audit configuration was immutable, -e 2; "
               "the policy is in " +
               displayText(status.rulesFile) + "; the kernel held the policy of " +
               (last.kernelTime.empty() ? std::string("an unknown sync") : displayText(last.kernelTime)) + ")\n";
    return out + renderGpoList(last);
}

std::string renderOfflineStatusJson(const OfflineStatus &status)
{
    Json out{{"daemon", {{"running", false}, {"socket", status.socket}}}};
    if (status.last != nullptr)
        out["lastApplied"] = {{"time", status.last->time}, {"dc", status.last->dc},
                              {"site", status.last->site}, {"gpos", status.last->applied.size()},
                              {"mode", status.last->mode}, {"kernelTime", status.last->kernelTime}};
    if (status.kernel != nullptr) {
        out["kernel"] = auditStateJson(*status.kernel, status.rulesInKernel);
        out["rulesInKernel"] = status.rulesInKernel;
    } else {
        out["kernel"] = {{"error", status.kernelError}};
    }
    return dumpJson(out) + "\n";
}

std::string daemonModeText(const DaemonStatus &status)
{
    if (status.reportOnly)
        return "report-only (report_only in gpauditd.conf): the policy is computed and shown, nothing is changed";
    if (status.mode == ApplyMode::Stage) {
        const auto *state = status.state;
        return "staged, takes effect at the next boot: " + status.modeReason +
               (state != nullptr
                    ? "; the policy of " + state->time + " is in " + status.rulesFile +
                          (state->kernelTime.empty() ? std::string()
                                                     : ", the kernel holds the one of " + state->kernelTime)
                    : std::string());
    }
    return "applied (the kernel has the policy; " +
           (status.rulesFile.empty() ? std::string("no rules file") : status.rulesFile + " keeps it for boot") + ")";
}

std::string renderDaemonStatusText(const DaemonStatus &status)
{
    const auto wall = [](const std::string &at, std::chrono::seconds in) { return at + " (in " + spanText(in) + ")"; };
    std::string out = "gpauditd " + status.version + ": running, pid " + std::to_string(status.pid) + ", since " +
                      status.since + "\n";
    // Names and texts from the domain and the state directory: one escaped line each (issue 11).
    const auto show = [](const std::string &text) { return displayText(text); };
    const auto *state = status.state;
    if (!status.notJoined.empty())
        out += "  not joined to a domain: " + show(status.notJoined) + "\n  idle: checking again every " +
               spanText(status.retryMax) + " and at systemctl reload\n";
    if (state != nullptr)
        out += "  domain:      " + show(state->realm) + ", computer " + show(state->machine) + ", DC " +
               show(state->dc) + ", site " + (state->site.empty() ? "-" : show(state->site)) + "\n";
    out += "  mode:        " + show(daemonModeText(status)) + "\n";
    for (const auto &note : status.guardrails)
        out += "  guardrail:   " + show(note) + "\n";
    out += "  policy:      " + std::to_string(status.rulesInForce) + " rules in force";
    if (state != nullptr)
        out +=
            ", from the sync of " + show(state->time) + " (" + std::to_string(state->applied.size()) + " GPOs applied)";
    out += "\n";
    // The kernel's own state: rules loaded are no use when audit is off (issue 11).
    if (status.kernel != nullptr)
        out += renderAuditStateText(*status.kernel, status.rulesInForce);
    else
        out += "  kernel:      cannot read the audit status: " + show(status.kernelError) + "\n";
    out += "  last sync:   ";
    if (status.syncs == 0 || status.last == nullptr)
        out += "none yet\n";
    else
        out += status.lastTime + ", " + show(std::string(resultKey(status.last->result))) +
               (status.last->record.dc.empty() ? "" : ", DC " + show(status.last->record.dc)) + ", " +
               millisText(status.last->stats.total) + " ms\n";
    if (status.running) {
        const auto &running = *status.running;
        out += "  sync now:    in progress since " + running.since + " (" + spanText(running.elapsed) + "), " +
               (running.requestedBy ? "requested by pid " + std::to_string(*running.requestedBy)
                                    : std::string("refresh")) +
               ": " + show(running.stage) + "\n";
    }
    if (status.waiting > 0)
        out += "  waiting:     " + std::to_string(status.waiting) + " more syncs after this one\n";
    out += "  next sync:   " +
           (status.running ? std::string("after the one in progress") : wall(status.nextSyncAt, status.nextSyncIn)) +
           (status.failures != 0 ? ", retry " + std::to_string(status.failures) : "") + "\n";
    out += "  full reapply: " + wall(status.fullReapplyAt, status.fullReapplyIn) + "\n";
    out += "  last error:  " +
           (status.lastError.empty() ? std::string("none") : status.lastErrorTime + " " + show(status.lastError)) +
           "\n";
    out += "  control:     " + std::to_string(status.controlWaiting) + " connections waiting for their request, " +
           std::to_string(status.controlDropped) + " dropped (no request within 5 s, oversized, or too many)\n";
    out += "  drift:       " + std::to_string(status.driftRestored) + " restored" +
           (status.recordsWatched ? "; CONFIG_CHANGE records watched"
                                  : "; records not watched (" + show(status.watchError) + ")") +
           ", check every " + std::to_string(status.driftCheckEvery.count()) + "s\n";
    for (const auto &d : status.drifts)
        out += "    " + d.time + ": " + std::to_string(d.missing) + " of " + std::to_string(d.expected) +
               " rules removed by " + show(d.by) + "; " + show(d.result) + " in " + millisText(d.took) + " ms\n";
    if (state != nullptr)
        out += renderGpoList(*state);
    return out;
}

std::string renderDaemonStatusLine(const DaemonStatus &status)
{
    const std::string inForce = std::to_string(status.rulesInForce) + " rules in force";
    if (!status.notJoined.empty())
        return "Idle, not joined to a domain: " + displayText(status.notJoined) + "; " + inForce;
    if (status.running)
        return "Syncing with the domain since " + status.running->since + "; " + inForce;
    if (status.last == nullptr && status.syncs == 0)
        return "Starting";
    return "Last sync " + status.lastTime + " " + (status.failures != 0 ? "failed" : "ok") + ": " + inForce +
           (status.reportOnly                 ? "; report-only"
            : status.mode == ApplyMode::Stage ? "; new policy staged, takes effect at the next boot"
                                              : "") +
           "; next sync in " + spanText(status.nextSyncIn);
}

std::string renderDaemonStatusJson(const DaemonStatus &status)
{
    Json out{{"daemon",
              {{"running", true},
               {"pid", status.pid},
               {"version", status.version},
               {"since", status.since},
               {"socket", status.socket}}}};
    if (const auto *state = status.state) {
        out["realm"] = state->realm;
        out["machine"] = state->machine;
        out["dc"] = state->dc;
        out["site"] = state->site;
        out["policyTime"] = state->time;
    }
    out["mode"] = std::string(modeKey(status.reportOnly ? ApplyMode::ReportOnly : status.mode));
    out["modeText"] = daemonModeText(status);
    out["guardrails"] = status.guardrails;
    out["joined"] = status.notJoined.empty();
    out["notJoined"] = status.notJoined.empty() ? Json(nullptr) : Json(status.notJoined);
    out["rulesInForce"] = status.rulesInForce;
    if (status.kernel != nullptr)
        out["kernel"] = auditStateJson(*status.kernel, status.rulesInForce);
    else
        out["kernel"] = {{"error", status.kernelError}};
    out["syncs"] = status.syncs;
    if (const auto *last = status.last)
        out["lastSync"] = {{"time", status.lastTime},
                           {"result", std::string(resultKey(last->result))},
                           {"exitCode", status.lastExitCode},
                           {"dc", last->record.dc},
                           {"gposApplied", last->gposApplied},
                           {"rules", last->rules},
                           {"totalMs", millisValue(last->stats.total, 1)}};
    out["nextSyncInSeconds"] = status.nextSyncIn.count();
    out["nextFullReapplyInSeconds"] = status.fullReapplyIn.count();
    out["failuresInARow"] = status.failures;
    if (status.running) {
        const auto &running = *status.running;
        out["syncInProgress"] = {{"since", running.since},
                                 {"seconds", running.elapsed.count()},
                                 {"requestedBy", running.requestedBy ? Json(*running.requestedBy) : Json(nullptr)},
                                 {"stage", running.stage}};
    } else {
        out["syncInProgress"] = nullptr;
    }
    out["syncsWaiting"] = status.waiting;
    const auto maybe = [](const std::optional<bool> &b) { return b ? Json(*b) : Json(nullptr); };
    out["kept"] = {{"ldapSession", maybe(status.ldapSessionKept)}, {"smb", maybe(status.smbKept)}};
    out["control"] = {{"waiting", status.controlWaiting}, {"dropped", status.controlDropped}};
    out["lastError"] =
        status.lastError.empty() ? Json(nullptr) : Json{{"time", status.lastErrorTime}, {"message", status.lastError}};
    Json events = Json::array();
    for (const auto &d : status.drifts)
        events.push_back({{"time", d.time},
                          {"missing", d.missing},
                          {"expected", d.expected},
                          {"by", d.by},
                          {"result", d.result},
                          {"tookMs", millisValue(d.took, 1)}});
    out["drift"] = {
        {"restored", status.driftRestored}, {"recordsWatched", status.recordsWatched}, {"events", std::move(events)}};
    Json gpos = Json::array();
    if (const auto *state = status.state)
        for (const auto &g : state->gpos)
            gpos.push_back({{"guid", g.guid}, {"name", g.name}, {"applied", g.applied}, {"reason", g.reason}});
    out["gpos"] = std::move(gpos);
    return dumpJson(out) + "\n";
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
    std::size_t mapped = 0, coarse = 0, unmapped = 0, samba = 0;
    for (const auto &category : catalog.categories()) {
        out += category.name + "\n";
        for (auto index : category.subcategories) {
            const auto &sub = catalog.subcategories()[index];
            const auto &map = mapping.of(index);
            out += "  " + pad(sub.auditpolName, 40) + pad(linuxColumn(map), 10) + howText(map) + "\n";
            if (!map.rules.empty())
                out += "      rules:   " + ruleSummary(map) + "\n";
            if (!map.userRecords.empty() || !map.kernelRecords.empty())
                out += "      records: " + records(map) + "\n";
            if (!map.windows.empty())
                out += "      windows: " + map.windows + "\n";
            if (map.samba) {
                if (map.mapped)
                    out += "      samba:   " + map.samba->how + "\n";
                out += "      samba:   " + sambaSummary(*map.samba) + "\n";
                if (!map.samba->coarse.empty())
                    out += "      coarse:  " + map.samba->coarse + "\n";
            }
            const auto column = linuxColumn(map);
            ++(column == "mapped" ? mapped : column == "coarse" ? coarse : unmapped);
            samba += !map.mapped && map.samba ? 1 : 0;
        }
    }
    out += std::to_string(mapped) + " mapped, " + std::to_string(coarse) + " coarse, " + std::to_string(unmapped) +
           " unmapped of " + std::to_string(mapped + coarse + unmapped) + " subcategories (" + std::to_string(samba) +
           " of them only on a Samba AD DC)\n";
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
                   roffEscape(howText(map)) + ".\n";
            if (!map.rules.empty())
                out += ".br\nRules: " + breakAfterCommas(roffEscape(ruleSummary(map))) + ".\n";
            if (!map.userRecords.empty() || !map.kernelRecords.empty())
                out += ".br\nRecords: " + breakAfterCommas(roffEscape(records(map))) + ".\n";
            if (!map.windows.empty())
                out += ".br\nWindows events (gpauditctl search): " + roffEscape(map.windows) + "\n";
            if (map.samba) {
                if (map.mapped)
                    out += ".br\nOn a Samba AD DC: " + roffEscape(map.samba->how) + ".\n";
                out += ".br\nSamba: " + roffEscape(sambaSummary(*map.samba)) + ".\n";
                if (!map.samba->coarse.empty())
                    out += ".br\nCoarse: " + roffEscape(map.samba->coarse) + ".\n";
            }
        }
    }
    out += ".SH SEE ALSO\n.BR gpauditctl (8),\n.BR auditctl (8),\n.BR audit.rules (7)\n";
    return out;
}

} // namespace gpaudit::core
