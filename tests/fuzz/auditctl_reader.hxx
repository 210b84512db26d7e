// SPDX-License-Identifier: GPL-2.0-or-later
// A re-implementation, for tests only, of how auditctl reads a rules file and how libaudit splits a
// -F field, written from audit-userspace's source (linux-audit/audit-userspace; the same in 3.0.9,
// Debian 12's version, and 4.x; "escapes" off models versions before the escape handling). The
// integration test inject checks the escape handling and the line buffer against the real auditctl:
//   src/auditctl.c  LINE_SIZE 6144; get_line(): fgets_unlocked(buf, LINE_SIZE, f), then the first
//                   0x0a is replaced by NUL; fileopt(): "Weed out blank lines" (only ' ' skipped),
//                   preprocess(buf), ptr = audit_strsplit(buf), "allow comments" when
//                   ptr[0] == '#', otherwise fields[] = {"auditctl", ptr, then each further
//                   audit_strsplit(NULL) token, postprocess()ed} while i < nf - 1 with
//                   nf = strlen(buf) / 3 + 3, and setopt() runs it as a command.
//   src/auditctl.c  preprocess(): "\ " -> 0x07 0x07 and "\\" -> 0x04 0x04; postprocess() turns
//                   each pair back into ' ' and '\'.
//   lib/strsplit.c  audit_strsplit(): tokens separated by runs of ' ' (only).
//   lib/libaudit.c  audit_rule_fieldpair_data(): the operator is the first of "!=", ">=", "<=",
//                   "&=" found anywhere (strstr), else of "=", ">", "<", "&".
// Used by the fuzz target rules_file and by the unit tests, to check that the rules file we write
// reads back as exactly the rules we meant, and that no other line is a command.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auditctl_reader {

inline constexpr std::size_t kLineSize = 6144; // LINE_SIZE

struct Command {
    std::size_t line = 0;          // auditctl's lineno (one per fgets piece)
    std::vector<std::string> args; // argv without "auditctl"
};

struct ReadResult {
    std::vector<Command> commands;
    std::size_t comments = 0;
    std::size_t pieces = 0; // fgets calls that returned data
};

namespace detail {

// fgets(buf, LINE_SIZE): up to LINE_SIZE - 1 bytes, stopping after a '\n'. C string functions then see
// only up to the first NUL byte.
inline std::vector<std::string> fgetsPieces(std::string_view text)
{
    std::vector<std::string> pieces;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = at;
        while (end < text.size() && end - at < kLineSize - 1) {
            if (text[end++] == '\n')
                break;
        }
        std::string piece(text.substr(at, end - at));
        at = end;
        piece = piece.substr(0, piece.find('\0')); // strchr/strlen stop at NUL
        if (auto nl = piece.find('\n'); nl != std::string::npos)
            piece.resize(nl); // get_line(): the first 0x0a becomes NUL
        pieces.push_back(std::move(piece));
    }
    return pieces;
}

inline void preprocess(std::string &buf)
{
    bool escape = false;
    for (std::size_t i = 0; i < buf.size(); ++i) {
        if (buf[i] == '\\' && !escape) {
            escape = true;
        } else {
            if (escape) {
                if (buf[i] == ' ')
                    buf[i] = buf[i - 1] = 0x07;
                else if (buf[i] == '\\')
                    buf[i] = buf[i - 1] = 0x04;
                escape = false;
            }
        }
    }
}

inline std::string postprocess(const std::string &token)
{
    std::string out;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == 0x07) {
            out += ' ';
            ++i;
        } else if (token[i] == 0x04) {
            out += '\\';
            ++i;
        } else {
            out += token[i];
        }
    }
    return out;
}

inline std::vector<std::string> strsplit(const std::string &buf)
{
    std::vector<std::string> tokens;
    std::size_t at = 0;
    while (at < buf.size()) {
        while (at < buf.size() && buf[at] == ' ')
            ++at;
        if (at >= buf.size())
            break;
        const auto end = buf.find(' ', at);
        tokens.push_back(buf.substr(at, end == std::string::npos ? std::string::npos : end - at));
        at = end == std::string::npos ? buf.size() : end;
    }
    return tokens;
}

} // namespace detail

// escapes: with preprocess/postprocess (3.0.9 and later); false: older versions.
inline ReadResult read(std::string_view text, bool escapes)
{
    ReadResult out;
    std::size_t lineno = 1;
    for (auto buf : detail::fgetsPieces(text)) {
        ++out.pieces;
        std::size_t idx = 0;
        while (idx < buf.size() && buf[idx] == ' ')
            ++idx;
        if (idx == buf.size()) {
            ++lineno;
            continue;
        }
        const std::size_t nf = buf.size() / 3 + 3;
        if (escapes)
            detail::preprocess(buf);
        auto tokens = detail::strsplit(buf);
        if (tokens.empty())
            break; // "if (ptr == NULL) break;"
        if (tokens[0][0] == '#') {
            ++out.comments;
            ++lineno;
            continue;
        }
        Command command;
        command.line = lineno;
        command.args.push_back(tokens[0]); // the first token is not postprocessed
        for (std::size_t i = 1; i < tokens.size() && command.args.size() + 1 < nf - 1; ++i)
            command.args.push_back(escapes ? detail::postprocess(tokens[i]) : tokens[i]);
        out.commands.push_back(std::move(command));
        ++lineno;
    }
    return out;
}

struct FieldPair {
    std::string name;
    std::string op;
    std::string value;
    bool operator==(const FieldPair &) const = default;
};

// audit_rule_fieldpair_data()'s split; nullopt when it finds no operator.
inline std::optional<FieldPair> splitFieldPair(std::string_view pair)
{
    for (std::string_view op : {"!=", ">=", "<=", "&=", "=", ">", "<", "&"}) {
        const auto at = pair.find(op);
        if (at != std::string_view::npos)
            return FieldPair{std::string(pair.substr(0, at)), std::string(op),
                             std::string(pair.substr(at + op.size()))};
    }
    return std::nullopt;
}

// augenrules' awk program: lines (split at '\n') matching ^\s*# are dropped, and the ones matching
// ^\s*-e, ^\s*-D\s*$, ^\s*-f, ^\s*-b are moved; true when a line would be one of those moved or dropped
// kinds other than a comment, i.e. a line that augenrules treats as a control command.
inline bool augenrulesControlLine(std::string_view line)
{
    std::size_t at = 0;
    while (at < line.size() &&
           (line[at] == ' ' || line[at] == '\t' || line[at] == '\r' || line[at] == '\v' || line[at] == '\f'))
        ++at;
    const auto rest = line.substr(at);
    return rest.starts_with("-e") || rest.starts_with("-D");
}

} // namespace auditctl_reader
