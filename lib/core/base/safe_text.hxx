// SPDX-License-Identifier: GPL-2.0-or-later
// Untrusted text (GPO names, paths, file names, messages quoting the domain's or a file's bytes) on its
// way to a person or to auditctl. Pure: no I/O.
//
// Two sinks, two rules:
//  - people (terminal, journal, JSON): displayText() makes every byte visible — C0/C1 control
//    characters, DEL, Unicode bidirectional and line/paragraph separators, and bytes that are not
//    UTF-8 become \xHH or \u{HHHH} escapes; everything else is kept. Its output is valid UTF-8 without a
//    control character, and displayText() of it is itself (escaping twice changes nothing).
//  - auditctl (the rules file): RulesFileWriter emits only two kinds of line: comments that cannot
//    break out ("# " + displayText, bounded) and rule lines whose every token passes isSafeRuleToken();
//    a path becomes part of a rule only as a SafeRulePath (see rulePathProblem()).
#pragma once

#include "core/base/result.hxx"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gpaudit::core {

// Every control character, invalid UTF-8 byte and format character that can reorder or break a
// line, as a visible escape. Newline and tab too: one untrusted value stays on one line.
std::string displayText(std::string_view text);

// For a whole output stream of our own text with untrusted parts already escaped: like displayText,
// but newline and tab are kept (the layout is ours). A byte sequence cut at the end of one chunk is
// completed by the next: feed chunks in order, then finish().
class DisplayFilter {
  public:
    std::string feed(std::string_view chunk);
    std::string finish(); // an incomplete sequence left at the end, escaped
  private:
    std::string pending_;
};

bool isValidUtf8(std::string_view text);

// --- auditctl's rules file -------------------------------------------------------------------------
// How auditctl -R reads a file (audit-userspace src/auditctl.c; 3.0.9, Debian 12's, and 4.x):
//  - get_line(): fgets() into a buffer of LINE_SIZE (6144) bytes, then the first '\n' is cut off.
//    A longer line is read in pieces, each piece parsed as a line of its own.
//  - fileopt(): a line of only spaces is skipped; audit_strsplit() (lib/strsplit.c) splits at ' '
//    only (runs of spaces collapse; tab is an ordinary byte); a line whose first token starts with
//    '#' is a comment; everything else is argv for getopt_long(), so a line is a command.
//  - preprocess()/postprocess() turn "\ " into a space and "\\" into a backslash (3.0.9 does,
//    tests/integration/inject.sh checks it; older versions keep both bytes).
//  - audit_rule_fieldpair_data() (lib/libaudit.c) splits "name<op>value" at the FIRST of "!=",
//    ">=", "<=", "&=", then "=", ">", "<", "&" found anywhere in the token; a value longer than
//    PATH_MAX is refused.
// augenrules concatenates rules.d/*.rules with awk, dropping lines matching ^\s*# and moving
// -e/-D/-b/-f lines: it splits lines at '\n' only, like auditctl.
inline constexpr std::size_t kAuditctlLineSize = 6144; // LINE_SIZE in auditctl.c
// The longest line we write: fgets keeps room for the NUL and must also see the '\n'.
inline constexpr std::size_t kMaxRulesFileLine = kAuditctlLineSize - 2;
// Comments are cut well below that (after escaping, which can quadruple a byte).
inline constexpr std::size_t kMaxCommentLine = 1024;
inline constexpr std::size_t kRulePathMax = 4095; // PATH_MAX - 1 (the kernel's getname limit)
inline constexpr std::size_t kRuleNameMax = 255;  // NAME_MAX, one path component

// Why this path cannot be written in a rule so that auditctl (file) and libaudit (netlink) read back
// exactly these bytes; nullopt when it can. The reason is our own text (no byte of the path).
std::optional<std::string> rulePathProblem(std::string_view path);

// A path that passed rulePathProblem(), for code that keeps one. (The translation checks every path
// with rulePathProblem() before it becomes a -F path= / -F dir= value; RulesFileWriter checks again.)
class SafeRulePath {
  public:
    static Result<SafeRulePath> make(std::string_view path);
    [[nodiscard]] const std::string &str() const { return path_; }

  private:
    explicit SafeRulePath(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

// A token auditctl reads back unchanged: not empty, valid UTF-8, no control character, no space, no
// backslash, not starting with '#'.
bool isSafeRuleToken(std::string_view token);

// Builds a rules file line by line. Nothing else can be appended, so the file holds only our comments
// and our rule lines.
class RulesFileWriter {
  public:
    // "# " + displayText(text), cut to kMaxCommentLine on a character boundary.
    void comment(std::string_view text);
    // A rule or status line: tokens separated by single spaces, each isSafeRuleToken(), the first one
    // -a, -A, -b, -f or -r (never -e, -D, -R, -w...), at most kMaxRulesFileLine bytes. A line that is
    // not is left out and named in a "# note:" comment instead; returns false then.
    bool command(std::string_view line);
    [[nodiscard]] const std::string &text() const { return text_; }
    [[nodiscard]] std::size_t refused() const { return refused_; }

  private:
    std::string text_;
    std::size_t refused_ = 0;
};

// Why a line is not one RulesFileWriter::command() accepts; nullopt when it is.
std::optional<std::string> ruleLineProblem(std::string_view line);

} // namespace gpaudit::core
