// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/samba/audit_conf.hxx"

#include "core/base/safe_text.hxx"
#include "core/base/text.hxx"
#include "core/policy/policy.hxx"

#include <algorithm>

namespace gpaudit::core::samba {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

// smb.conf parameter names: case-insensitive, spaces and underscores... only spaces are ignored
// (lib/param/loadparm.c compares with strwicmp, which skips white space).
std::string canonicalName(std::string_view name)
{
    std::string out;
    for (char c : name)
        if (!isSpace(c))
            out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

std::vector<std::string_view> words(std::string_view text)
{
    // debug_parse_levels splits at LIST_SEP: space, tab, comma, semicolon, newline, CR.
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (isSpace(text[i]) || text[i] == ',' || text[i] == ';'))
            ++i;
        std::size_t j = i;
        while (j < text.size() && !(isSpace(text[j]) || text[j] == ',' || text[j] == ';'))
            ++j;
        if (j > i)
            out.push_back(text.substr(i, j - i));
        i = j;
    }
    return out;
}

bool parseLevel(std::string_view text, int &out)
{
    if (text.empty() || text.size() > 2)
        return false;
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    if (value > kMaxDebugLevel)
        return false;
    out = value;
    return true;
}

bool validClassName(std::string_view name)
{
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

bool validFile(std::string_view file)
{
    return !file.empty() && file.size() <= 4096 && std::all_of(file.begin(), file.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && c != 0x7f && c != ',' && c != ';' && c != '@';
    });
}

Error confError(std::string_view label, std::size_t line, std::string message)
{
    Location where;
    where.file = std::string(label);
    where.line = static_cast<std::uint32_t>(line);
    return Error{std::move(where), std::move(message)};
}

} // namespace

bool isAuditClass(std::string_view name)
{
    return std::find(std::begin(kAuditClasses), std::end(kAuditClasses), name) != std::end(kAuditClasses);
}

int DebugLevels::level(std::string_view name) const
{
    if (auto it = classes.find(name); it != classes.end())
        return it->second;
    return all;
}

std::string DebugLevels::str() const
{
    std::string out = std::to_string(all);
    for (const auto &[name, value] : classes) {
        out += " " + name + ":" + std::to_string(value);
        if (auto it = files.find(name); it != files.end())
            out += "@" + it->second;
    }
    return out;
}

Result<DebugLevels> parseDebugLevels(std::string_view text, std::string_view label)
{
    DebugLevels out;
    auto list = words(text);
    if (list.size() > 256)
        return tl::unexpected(confError(label, 0, "log level: more than 256 words"));
    bool first = true;
    for (auto word : list) {
        if (first && !word.empty() && word.front() >= '0' && word.front() <= '9') {
            first = false;
            if (!parseLevel(word, out.all))
                return tl::unexpected(
                    confError(label, 0, "log level: \"" + displayText(word) + "\" is not a level from 0 to 10"));
            continue;
        }
        first = false;
        const auto colon = word.find(':');
        if (colon == std::string_view::npos)
            return tl::unexpected(confError(label, 0, "log level: \"" + displayText(word) + "\" is not class:level"));
        const auto name = word.substr(0, colon);
        auto rest = word.substr(colon + 1);
        std::string_view file;
        if (const auto at = rest.find('@'); at != std::string_view::npos) {
            file = rest.substr(at + 1);
            rest = rest.substr(0, at);
            if (!validFile(file))
                return tl::unexpected(confError(label, 0,
                                                "log level: the file of \"" + displayText(word) +
                                                    "\" is empty or has a space or control character"));
        }
        int value = 0;
        if (!validClassName(name) || !parseLevel(rest, value))
            return tl::unexpected(confError(
                label, 0, "log level: \"" + displayText(word) + "\" is not class:level (a-z, 0-9, _; level 0 to 10)"));
        out.classes[std::string(name)] = value;
        if (!file.empty())
            out.files[std::string(name)] = std::string(file);
    }
    return out;
}

bool isAdDcRole(std::string_view role)
{
    // lib/param/loadparm.c enum_server_role: "active directory domain controller" and its synonyms.
    const auto canonical = canonicalName(role);
    return canonical == "activedirectorydomaincontroller" || canonical == "domaincontroller" || canonical == "dc";
}

Result<SmbConf> parseSmbConf(std::string_view text, std::string_view label)
{
    SmbConf out;
    std::string section = "global"; // parameters before any section header are global (params.c)
    std::size_t lineNo = 0;
    std::string pending;
    std::size_t pendingLine = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        auto raw = text.substr(pos, end - pos);
        pos = end + 1;
        ++lineNo;
        if (pending.empty())
            pendingLine = lineNo;
        auto line = trim(raw);
        if (pending.empty() && (line.empty() || line.front() == '#' || line.front() == ';')) {
            if (end == text.size())
                break;
            continue;
        }
        if (!line.empty() && line.back() == '\\') {
            pending += std::string(line.substr(0, line.size() - 1)) + " ";
            if (pending.size() > 65536)
                return tl::unexpected(confError(label, lineNo, "a continued line longer than 64 KiB"));
            if (end == text.size())
                break;
            continue;
        }
        std::string whole = pending + std::string(line);
        pending.clear();
        auto view = trim(whole);
        if (!view.empty() && view.front() == '[') {
            const auto close = view.find(']');
            if (close == std::string_view::npos)
                return tl::unexpected(confError(label, pendingLine, "a section header without ']'"));
            section = canonicalName(view.substr(1, close - 1));
        } else if (!view.empty()) {
            const auto eq = view.find('=');
            if (eq != std::string_view::npos) {
                const auto name = canonicalName(view.substr(0, eq));
                const auto value = std::string(trim(view.substr(eq + 1)));
                if (name == "include")
                    out.includes.push_back(value);
                else if (section == "global" && name == "serverrole") {
                    out.serverRole = value;
                    out.adDc = isAdDcRole(value);
                } else if (section == "global" && (name == "loglevel" || name == "debuglevel")) {
                    out.logLevel = value;
                    out.logLevelLine = pendingLine;
                }
            }
        }
        if (end == text.size())
            break;
    }
    return out;
}

SambaPlan translate(const Catalog &catalog, const Mapping &mapping, const Resultant &resultant)
{
    SambaPlan plan;
    for (const auto &category : catalog.categories()) {
        for (auto index : category.subcategories) {
            const auto &map = mapping.of(index);
            if (!map.samba)
                continue;
            const auto setting = resultant.subcategories[index].value;
            const bool success = setting == value::Success || setting == value::SuccessAndFailure;
            const bool failure = setting == value::Failure || setting == value::SuccessAndFailure;
            if (!success && !failure)
                continue;
            PlanLine line;
            line.subcategory = index;
            line.value = setting;
            std::map<std::string, int, std::less<>> needs;
            for (const auto *list : {success ? &map.samba->success : nullptr, failure ? &map.samba->failure : nullptr})
                if (list != nullptr)
                    for (const auto &item : *list) {
                        const auto colon = item.find(':');
                        const auto name = item.substr(0, colon);
                        const int level = std::stoi(item.substr(colon + 1)); // checked by Mapping::fromYaml
                        needs[name] = std::max(needs[name], level);
                    }
            for (const auto &[name, level] : needs) {
                line.needs.push_back(name + ":" + std::to_string(level));
                plan.levels[name] = std::max(plan.levels[name], level);
            }
            if (needs.empty())
                line.note = "Samba logs nothing for " + std::string(settingText(setting)) + " here";
            else if (!map.samba->coarse.empty())
                line.note = map.samba->coarse;
            else if (setting == value::Success && !map.samba->failure.empty())
                line.note = "Samba's level for successes logs the failures too";
            plan.lines.push_back(std::move(line));
        }
    }
    return plan;
}

DebugLevels merge(const DebugLevels &admin, const SambaPlan &plan)
{
    DebugLevels out = admin;
    for (const auto &[name, level] : plan.levels) {
        if (level <= 0 || !isAuditClass(name))
            continue;
        const int current = admin.level(name);
        if (level > current)
            out.classes[name] = level;
    }
    return out;
}

std::string renderInclude(const Catalog &catalog, const DebugLevels &merged, const SambaPlan &plan,
                          const std::vector<std::string> &header)
{
    // smb.conf comments are whole lines starting with '#': displayText makes a line break visible, so
    // no text below can start a line of its own.
    auto comment = [](std::string_view text) { return "# " + displayText(text).substr(0, 1000) + "\n"; };
    std::string out;
    for (const auto &line : header)
        out += comment(line);
    for (const auto &line : plan.lines) {
        const auto &sub = catalog.subcategories()[line.subcategory];
        std::string text = sub.name + ": " + std::string(settingText(line.value)) + " ->";
        for (const auto &need : line.needs)
            text += " " + need;
        if (line.needs.empty())
            text += " (nothing)";
        out += comment(text);
        if (!line.note.empty())
            out += comment("  note: " + line.note);
    }
    out += "[global]\n\tlog level = " + merged.str() + "\n";
    return out;
}

std::vector<ProcessLevels> parseDebuglevelAnswer(std::string_view text)
{
    std::vector<ProcessLevels> out;
    std::size_t pos = 0;
    while (pos < text.size() && out.size() < 4096) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        auto line = trim(text.substr(pos, end - pos));
        pos = end + 1;
        if (!line.starts_with("PID "))
            continue;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        ProcessLevels process;
        const auto pidText = trim(line.substr(4, colon - 4));
        if (pidText.empty() || pidText.size() > 10 ||
            !std::all_of(pidText.begin(), pidText.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        process.pid = static_cast<std::uint32_t>(std::stoul(std::string(pidText)));
        // "all:0 tdb:0 ...": the all class is written as a class here.
        for (auto word : words(line.substr(colon + 1))) {
            const auto c = word.find(':');
            int level = 0;
            if (c == std::string_view::npos || !parseLevel(word.substr(c + 1), level))
                continue;
            const auto name = word.substr(0, c);
            if (name == "all")
                process.levels.all = level;
            else if (validClassName(name))
                process.levels.classes[std::string(name)] = level;
        }
        // smbcontrol prints a process once per messaging name it answers for: keep the first.
        if (std::none_of(out.begin(), out.end(), [&](const ProcessLevels &p) { return p.pid == process.pid; }))
            out.push_back(std::move(process));
    }
    return out;
}

std::vector<std::string> drift(const std::vector<ProcessLevels> &live, const SambaPlan &plan)
{
    std::vector<std::string> out;
    for (const auto &process : live)
        for (const auto &[name, level] : plan.levels) {
            if (level <= 0)
                continue;
            const int have = process.levels.level(name);
            if (have < level)
                out.push_back("pid " + std::to_string(process.pid) + ": " + name + " " + std::to_string(have) + " < " +
                              std::to_string(level));
        }
    return out;
}

} // namespace gpaudit::core::samba
