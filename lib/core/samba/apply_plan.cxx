// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/samba/apply_plan.hxx"

#include "core/base/safe_text.hxx"

#include <algorithm>

namespace gpaudit::core::samba {

Result<DebugLevels> adminLevels(const SmbConf &conf, std::string_view label)
{
    if (!conf.logLevel)
        return DebugLevels{};
    auto parsed = parseDebugLevels(*conf.logLevel, label);
    if (!parsed) {
        auto error = parsed.error();
        error.where.line = static_cast<std::uint32_t>(conf.logLevelLine);
        return tl::unexpected(error);
    }
    return parsed;
}

std::string includeHook(const std::string &includeFile)
{
    return "\n# Added once by gpaudit (gpauditd.conf samba_add_include): the audit logging the domain's\n"
           "# Group Policy asks for. Remove these lines and set samba_add_include: false to stop it.\n"
           "[global]\n\tinclude = " +
           includeFile + "\n";
}

SambaApplyPlan planSambaApply(const Catalog &catalog, const Mapping &mapping, const Resultant &resultant,
                              const SambaSnapshot &held, const SambaApplyOptions &options)
{
    SambaApplyPlan out;
    auto &report = out.report;
    report.wouldOnly = options.dryRun || options.reportOnly;
    out.includeFile = options.includeFile;
    out.smbConf = options.smbConf;
    if (!held.smbConfFound) {
        report.skipped = "no " + displayText(options.smbConf) + ": not a Samba AD DC";
        return out;
    }
    if (!held.conf.adDc) {
        report.skipped = "not a Samba AD DC (" + displayText(options.smbConf) + ": server role = " +
                         (held.conf.serverRole.empty() ? "(default)" : displayText(held.conf.serverRole)) + ")";
        return out;
    }
    report.dc = true;
    report.elapsed = held.elapsed;
    report.plan = translate(catalog, mapping, resultant);
    const auto merged = merge(held.admin, report.plan);
    report.levels = merged.str();
    out.levels = merged.str();

    // 1. The include file: what Samba reads at its next start (kept across restarts).
    out.includeContent = renderInclude(catalog, merged, report.plan, options.header);
    report.includeChanged = !held.includeText || *held.includeText != out.includeContent;
    out.includeDue = report.includeChanged && !report.wouldOnly;

    // 2. smb.conf must include it: already, or one appended line with the administrator's consent.
    const auto &includes = held.conf.includes;
    report.hooked = std::find(includes.begin(), includes.end(), options.includeFile) != includes.end();
    if (!report.hooked && options.addInclude) {
        report.hookAdded = true;
        const auto &text = held.smbConfText;
        out.smbConfContent =
            text + (text.empty() || text.back() == '\n' ? "" : "\n") + includeHook(options.includeFile);
        out.smbConfDue = !report.wouldOnly;
        out.smbConfMode = held.smbConfMode & 07777;
        out.smbConfUid = held.smbConfUid;
        out.smbConfGid = held.smbConfGid;
        report.hooked = true;
    }
    if (!report.hooked)
        report.notes.push_back(
            displayText(options.smbConf) + " does not include " + displayText(options.includeFile) +
            ": the levels hold until Samba restarts; add `include = " + displayText(options.includeFile) +
            "` at the end of [global], or set samba_add_include: true");

    // 3. The running processes: a diff against what they log now; no message when nothing changes.
    if (!held.debuglevel) {
        report.notes.push_back("the running Samba was not changed: " + held.debuglevelError +
                               " (the include file takes effect at its next start)");
        return out;
    }
    const auto live = parseDebuglevelAnswer(*held.debuglevel);
    report.processes = live.size();
    if (live.empty())
        report.notes.push_back("no running Samba process answered smbcontrol: the include file takes effect at its "
                               "next start");
    report.drift = drift(live, report.plan);
    // Any audit class off its merged level (also one the policy no longer needs) is a difference.
    bool differs = false;
    for (const auto &process : live)
        for (auto name : kAuditClasses)
            differs = differs || process.levels.level(name) != merged.level(name);
    if (differs && !live.empty()) {
        report.sent = true;
        out.sendDue = !report.wouldOnly;
    }
    return out;
}

} // namespace gpaudit::core::samba
