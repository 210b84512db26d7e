// SPDX-License-Identifier: GPL-2.0-or-later
// The property every rules file we write must have, checked with the auditctl re-implementation of
// auditctl_reader.hxx: read back with and without auditctl's escape handling, the file's commands are exactly
// the translation's status settings and rules, in order, token for token; every -F field splits (as
// libaudit splits it) into the field the translation holds; nothing else in the file is a command; no
// line is cut by auditctl's line buffer; no line is one augenrules would treat as a control command.
#pragma once

#include "auditctl_reader.hxx"
#include "core/linux/translate.hxx"

#include <optional>
#include <string>
#include <vector>

namespace rules_file_check {

inline std::vector<std::string> splitSpaces(const std::string &line)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto end = line.find(' ', start);
        out.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return out;
}

// nullopt when the file is right; else what is wrong.
inline std::optional<std::string> check(const gpaudit::core::Translation &translation, const std::string &file)
{
    using namespace gpaudit::core;
    std::vector<std::vector<std::string>> expected;
    std::vector<const AuditRule *> owners;
    for (const auto &status : translation.status) {
        expected.push_back({std::string("-") + status.flag, std::to_string(status.value)});
        owners.push_back(nullptr);
    }
    for (const auto &rule : translation.rules) {
        expected.push_back(splitSpaces(rule.render()));
        owners.push_back(&rule);
    }
    if (!file.empty() && file.back() != '\n')
        return "the file does not end with a newline (augenrules would join it to the next file)";
    std::size_t lineStart = 0;
    while (lineStart < file.size()) {
        const auto end = file.find('\n', lineStart);
        const std::string_view line(file.data() + lineStart, end - lineStart);
        if (line.size() + 1 >= auditctl_reader::kLineSize)
            return "a line of " + std::to_string(line.size()) + " bytes is cut by auditctl's line buffer";
        if (auditctl_reader::augenrulesControlLine(line))
            return "augenrules would take a line as -e/-D: " + std::string(line);
        lineStart = end + 1;
    }
    for (bool escapes : {false, true}) {
        const auto read = auditctl_reader::read(file, escapes);
        if (read.commands.size() != expected.size())
            return "auditctl" + std::string(escapes ? " (escapes)" : " (no escapes)") + " reads " +
                   std::to_string(read.commands.size()) + " commands, the translation has " +
                   std::to_string(expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const auto &args = read.commands[i].args;
            if (args != expected[i])
                return "command " + std::to_string(i + 1) + " (line " + std::to_string(read.commands[i].line) +
                       ") reads back differently";
            const auto *rule = owners[i];
            if (rule == nullptr)
                continue;
            std::vector<std::pair<bool, std::string>> pairs; // (-C?, text)
            for (std::size_t a = 0; a + 1 < args.size(); ++a)
                if (args[a] == "-F" || args[a] == "-C")
                    pairs.emplace_back(args[a] == "-C", args[a + 1]);
            std::size_t first = 0;
            if (!rule->arch.empty()) {
                if (pairs.empty() || pairs[0].second != "arch=" + rule->arch)
                    return "command " + std::to_string(i + 1) + " lost its arch";
                first = 1;
            }
            if (pairs.size() - first != rule->fields.size())
                return "command " + std::to_string(i + 1) + " has another number of fields than its rule";
            for (std::size_t f = 0; f < rule->fields.size(); ++f) {
                const auto &spec = rule->fields[f];
                const auto &[compare, text] = pairs[first + f];
                const auto pair = auditctl_reader::splitFieldPair(text);
                if (compare != spec.compare || !pair || pair->name != spec.name || pair->op != spec.op ||
                    pair->value != spec.value)
                    return "command " + std::to_string(i + 1) + ": libaudit splits field \"" + text + "\" differently";
            }
        }
    }
    return std::nullopt;
}

} // namespace rules_file_check
