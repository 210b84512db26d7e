// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/events/whitelist.hxx"

#include <algorithm>

namespace gpaudit::core::events {

namespace {

// sha256sum's escaping of a file name with a backslash or a line break (coreutils md5sum.c): the line
// starts with '\', and the name has "\\" and "\n" (and "\r" in newer versions).
std::optional<std::string> unescapeName(std::string_view name)
{
    std::string out;
    out.reserve(name.size());
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] != '\\') {
            out += name[i];
            continue;
        }
        if (i + 1 >= name.size())
            return std::nullopt;
        const char next = name[++i];
        if (next == '\\')
            out += '\\';
        else if (next == 'n')
            out += '\n';
        else if (next == 'r')
            out += '\r';
        else
            return std::nullopt;
    }
    return out;
}

} // namespace

bool isSha256Hex(std::string_view text)
{
    return text.size() == 64 && std::all_of(text.begin(), text.end(),
                                            [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<std::size_t> Whitelist::load(std::string_view text, const std::string &source, const WhitelistLimits &limits)
{
    std::vector<std::pair<std::string, std::string>> parsed; // all or nothing
    std::uint32_t lineNo = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++lineNo;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.size() > limits.maxLine)
            return fail("line longer than " + std::to_string(limits.maxLine) + " bytes", {source, lineNo});
        if (line.empty() || line.front() == '#')
            continue;
        const bool escaped = line.front() == '\\';
        if (escaped)
            line.remove_prefix(1);
        // "HEX  NAME" (text mode) or "HEX *NAME" (binary mode)
        if (line.size() < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*'))
            return fail("not a sha256sum line (\"SHA256  PATH\")", {source, lineNo});
        std::string hash(line.substr(0, 64));
        std::transform(hash.begin(), hash.end(), hash.begin(),
                       [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c); });
        if (!isSha256Hex(hash))
            return fail("not a SHA-256 in hex: the first 64 characters", {source, lineNo});
        std::optional<std::string> name = std::string(line.substr(66));
        if (escaped)
            name = unescapeName(*name);
        if (!name)
            return fail("a bad escape in the file name", {source, lineNo});
        if (name->empty() || name->front() != '/')
            return fail("the path must be absolute (as the kernel records executables)", {source, lineNo});
        if (entries_ + parsed.size() >= limits.maxEntries)
            return fail("more than " + std::to_string(limits.maxEntries) + " entries", {source, lineNo});
        parsed.emplace_back(std::move(*name), std::move(hash));
    }
    const std::size_t before = entries_;
    for (auto &[path, hash] : parsed)
        add(path, hash);
    return entries_ - before;
}

void Whitelist::add(const std::string &path, const std::string &sha256)
{
    if (byPath_[path].insert(sha256).second)
        ++entries_;
    byHash_.emplace(sha256, path);
}

const std::set<std::string> *Whitelist::hashesOf(std::string_view path) const
{
    auto it = byPath_.find(path);
    return it == byPath_.end() ? nullptr : &it->second;
}

const std::string *Whitelist::pathWith(std::string_view sha256) const
{
    auto it = byHash_.find(std::string(sha256));
    return it == byHash_.end() ? nullptr : &it->second;
}

std::string Whitelist::text() const
{
    std::string out;
    for (const auto &[path, hashes] : byPath_) {
        const bool escape = path.find_first_of("\\\n\r") != std::string::npos;
        std::string name;
        for (char c : path) {
            if (escape && c == '\\')
                name += "\\\\";
            else if (escape && c == '\n')
                name += "\\n";
            else if (escape && c == '\r')
                name += "\\r";
            else
                name += c;
        }
        for (const auto &hash : hashes)
            out += (escape ? "\\" : "") + hash + "  " + name + "\n";
    }
    return out;
}

std::string_view verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Known:
        return "known";
    case Verdict::NewPath:
        return "new-path";
    case Verdict::Replaced:
        return "replaced";
    case Verdict::Unverifiable:
        return "unverifiable";
    }
    return "?";
}

FirstSeen judge(const Whitelist &whitelist, const std::string &path, const Content &content)
{
    FirstSeen seen;
    seen.path = path;
    seen.sha256 = content.sha256;
    const auto *listed = whitelist.hashesOf(path);
    if (!content.sha256) {
        // A listed path whose content cannot be checked is not known: it may have been replaced.
        seen.verdict = listed == nullptr ? Verdict::NewPath : Verdict::Unverifiable;
        seen.why = content.why;
        if (listed != nullptr)
            seen.listed = *listed;
        return seen;
    }
    if (listed == nullptr) {
        seen.verdict = Verdict::NewPath;
        if (const auto *other = whitelist.pathWith(*content.sha256))
            seen.copiedFrom = *other;
        return seen;
    }
    if (listed->count(*content.sha256) != 0) {
        seen.verdict = Verdict::Known;
        return seen;
    }
    seen.verdict = Verdict::Replaced;
    seen.listed = *listed;
    if (const auto *other = whitelist.pathWith(*content.sha256))
        seen.copiedFrom = *other;
    return seen;
}

std::optional<FirstSeen> FirstSeenTracker::feed(const AuditEvent &event, const Content &content)
{
    return feed(event, event.exe, content);
}

std::optional<FirstSeen> FirstSeenTracker::feed(const AuditEvent &event, const std::string &program,
                                                const Content &content)
{
    if (!isExec(event) || program.empty())
        return std::nullopt;
    FirstSeen verdict = judge(whitelist_, program, content);
    if (verdict.verdict == Verdict::Known) {
        ++knownRuns_;
        return std::nullopt;
    }
    auto key = std::make_pair(program, content.sha256.value_or(std::string()));
    if (auto it = seen_.find(key); it != seen_.end()) {
        ++flagged_[it->second].runs;
        return std::nullopt;
    }
    verdict.first = ProcessImage{};
    verdict.first.pid = event.pid;
    verdict.first.ppid = event.ppid;
    verdict.first.auid = event.auid;
    verdict.first.ses = event.ses;
    verdict.first.uid = event.uid;
    verdict.first.euid = event.euid;
    verdict.first.exe = event.exe;
    verdict.first.started = true;
    verdict.first.start = stampOf(event);
    verdict.first.argv.assign(event.argv.begin(), event.argv.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                                           event.argv.size(), ProcessImage::kMaxArgs)));
    if (seen_.size() < maxDistinct_) {
        seen_.emplace(std::move(key), flagged_.size());
        flagged_.push_back(verdict);
    } else {
        saturated_ = true;
    }
    return verdict;
}

std::vector<FirstSeen> FirstSeenTracker::flagged() const
{
    return flagged_;
}

} // namespace gpaudit::core::events
