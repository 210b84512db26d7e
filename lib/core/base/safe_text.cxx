// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/safe_text.hxx"

#include <algorithm>
#include <array>
#include <cstdio>

namespace gpaudit::core {

namespace {

// Length of the UTF-8 sequence at text[at] (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF) with its code point; 0 when the bytes there are not one; -1 when they are a valid start
// cut by the end of text.
int decodeAt(std::string_view text, std::size_t at, char32_t &cp)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80) {
        cp = lead;
        return 1;
    }
    int length = 0;
    char32_t min = 0;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        cp = lead & 0x1f;
        min = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        cp = lead & 0x0f;
        min = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        cp = lead & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    for (int i = 1; i < length; ++i) {
        if (at + i >= text.size()) {
            // Cut: valid so far only if no complete prefix already rules it out (checked below at the
            // end of the data when the rest arrives; a wrong prefix byte is caught here).
            return -1;
        }
        const unsigned char next = byte(at + i);
        if ((next & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (next & 0x3f);
        // Reject overlong/surrogate/out-of-range as soon as the second byte tells.
        if (i == 1) {
            if (lead == 0xe0 && next < 0xa0)
                return 0;
            if (lead == 0xed && next >= 0xa0)
                return 0;
            if (lead == 0xf0 && next < 0x90)
                return 0;
            if (lead == 0xf4 && next >= 0x90)
                return 0;
        }
    }
    if (cp < min)
        return 0;
    return length;
}

// Code points that must not reach a terminal or a log as themselves: C1 controls, and the format
// characters that reorder text or break a line (Unicode bidi controls, line/paragraph separators).
bool hiddenCodePoint(char32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void appendByteEscape(std::string &out, unsigned char byte)
{
    std::array<char, 8> buffer{};
    (void)std::snprintf(buffer.data(), buffer.size(), "\\x%02x", static_cast<unsigned>(byte));
    out += buffer.data();
}

void appendCodePointEscape(std::string &out, char32_t cp)
{
    std::array<char, 16> buffer{};
    (void)std::snprintf(buffer.data(), buffer.size(), "\\u{%04x}", static_cast<unsigned>(cp));
    out += buffer.data();
}

// Escapes text[from, to) into out. With keepLayout, '\n' and '\t' stay. Returns where it stopped:
// `to`, or earlier when allowCut and a valid sequence is cut by the end.
std::size_t escapeInto(std::string &out, std::string_view text, bool keepLayout, bool allowCut)
{
    std::size_t at = 0;
    while (at < text.size()) {
        char32_t cp = 0;
        const int length = decodeAt(text, at, cp);
        if (length == -1 && allowCut)
            return at;
        if (length <= 0) {
            appendByteEscape(out, static_cast<unsigned char>(text[at]));
            ++at;
            continue;
        }
        if (length == 1) {
            const auto c = static_cast<unsigned char>(text[at]);
            if ((c < 0x20 || c == 0x7f) && !(keepLayout && (c == '\n' || c == '\t')))
                appendByteEscape(out, c);
            else
                out += static_cast<char>(c);
        } else if (hiddenCodePoint(cp)) {
            appendCodePointEscape(out, cp);
        } else {
            out.append(text.substr(at, static_cast<std::size_t>(length)));
        }
        at += static_cast<std::size_t>(length);
    }
    return at;
}

} // namespace

std::string displayText(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    escapeInto(out, text, false, false);
    return out;
}

std::string DisplayFilter::feed(std::string_view chunk)
{
    pending_.append(chunk);
    std::string out;
    out.reserve(pending_.size());
    const auto used = escapeInto(out, pending_, true, true);
    pending_.erase(0, used);
    return out;
}

std::string DisplayFilter::finish()
{
    std::string out;
    escapeInto(out, pending_, true, false);
    pending_.clear();
    return out;
}

bool isValidUtf8(std::string_view text)
{
    for (std::size_t at = 0; at < text.size();) {
        char32_t cp = 0;
        const int length = decodeAt(text, at, cp);
        if (length <= 0)
            return false;
        at += static_cast<std::size_t>(length);
    }
    return true;
}

namespace {

// No byte auditctl or libaudit would read differently, and nothing that shows differently from what
// it is: valid UTF-8 without C0/C1 controls, DEL or format characters.
std::optional<std::string> textTokenProblem(std::string_view text)
{
    for (std::size_t at = 0; at < text.size();) {
        char32_t cp = 0;
        const int length = decodeAt(text, at, cp);
        if (length <= 0)
            return "it is not valid UTF-8";
        if (cp < 0x20 || cp == 0x7f || hiddenCodePoint(cp))
            return "it contains a control character";
        if (cp == ' ')
            return "it contains a space (auditctl splits rule lines at spaces)";
        if (cp == '\\')
            return "it contains a backslash (auditctl reads \\\\ and \"\\ \" as escapes, older versions do not)";
        at += static_cast<std::size_t>(length);
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> rulePathProblem(std::string_view path)
{
    if (path.empty() || path.front() != '/')
        return "it is not an absolute path";
    if (path.size() > kRulePathMax)
        return "it is longer than " + std::to_string(kRulePathMax) + " bytes (PATH_MAX)";
    std::size_t component = 0;
    for (char c : path) {
        component = c == '/' ? 0 : component + 1;
        if (component > kRuleNameMax)
            return "a component is longer than " + std::to_string(kRuleNameMax) + " bytes (NAME_MAX)";
    }
    if (auto problem = textTokenProblem(path))
        return problem;
    // libaudit's audit_rule_fieldpair_data() cuts "path=VALUE" at the first two-character operator
    // found anywhere, before it looks for "=".
    for (std::string_view op : {"!=", ">=", "<=", "&="})
        if (path.find(op) != std::string_view::npos)
            return "it contains \"" + std::string(op) + "\" (libaudit would read a comparison there)";
    return std::nullopt;
}

Result<SafeRulePath> SafeRulePath::make(std::string_view path)
{
    if (auto problem = rulePathProblem(path))
        return fail("path \"" + displayText(path) + "\" cannot be written to an audit rule: " + *problem);
    return SafeRulePath(std::string(path));
}

bool isSafeRuleToken(std::string_view token)
{
    return !token.empty() && token.front() != '#' && !textTokenProblem(token);
}

std::optional<std::string> ruleLineProblem(std::string_view line)
{
    if (line.size() > kMaxRulesFileLine)
        return "longer than auditctl reads as one line (" + std::to_string(kMaxRulesFileLine) + " bytes)";
    static constexpr std::array<std::string_view, 5> kCommands = {"-a", "-A", "-b", "-f", "-r"};
    std::size_t index = 0;
    std::size_t start = 0;
    while (true) {
        const auto end = line.find(' ', start);
        const auto token = line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (!isSafeRuleToken(token))
            return "token " + std::to_string(index + 1) + " is empty or not safe for auditctl";
        if (index == 0 && std::find(kCommands.begin(), kCommands.end(), token) == kCommands.end())
            return "not a rule or status command";
        ++index;
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    return std::nullopt;
}

void RulesFileWriter::comment(std::string_view text)
{
    std::string line = "# " + displayText(text);
    if (line.size() > kMaxCommentLine) {
        // displayText's output is valid UTF-8: cut before a continuation byte's lead.
        std::size_t cut = kMaxCommentLine - 3;
        while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80)
            --cut;
        line.resize(cut);
        line += "...";
    }
    text_ += line;
    text_ += '\n';
}

bool RulesFileWriter::command(std::string_view line)
{
    if (auto problem = ruleLineProblem(line)) {
        ++refused_;
        comment("note: a rule was left out, " + *problem + ": " + std::string(line));
        return false;
    }
    text_.append(line);
    text_ += '\n';
    return true;
}

} // namespace gpaudit::core
