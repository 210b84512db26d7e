// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/linux/guardrails.hxx"

#include "core/base/text.hxx"

#include <algorithm>

namespace gpaudit::core {

namespace {

const FieldSpec *fieldNamed(const AuditRule &rule, std::string_view name)
{
    for (const auto &field : rule.fields)
        if (field.name == name && !field.compare)
            return &field;
    return nullptr;
}

// A rule that switches a record type off: `-a always,exclude -F msgtype=T` (kernel records) or
// `-a never,user -F msgtype=T` (user-space records).
bool isRecordFilter(const AuditRule &rule)
{
    return (rule.list == AuditRule::List::Exclude && rule.action == AuditRule::Action::Always) ||
           (rule.list == AuditRule::List::User && rule.action == AuditRule::Action::Never);
}

std::string ownersOf(const AuditRule &rule)
{
    std::string owners;
    for (const auto &key : rule.keys)
        owners += (owners.empty() ? "" : ", ") + key;
    return owners;
}

} // namespace

bool validRecordTypeName(std::string_view name)
{
    if (name.empty() || name.size() > 32)
        return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

namespace {

// Drops the translation's notes that a guardrail made untrue (they start with `prefix`, as
// translate.cxx words them), before the guardrail's own note is added.
void dropNotes(Translation &translation, std::string_view prefix)
{
    std::erase_if(translation.notes, [&](const TranslationNote &note) { return note.message.starts_with(prefix); });
}

} // namespace

std::vector<std::string> applyGuardrails(Translation &translation, const Guardrails &guardrails)
{
    for (const auto &setting : translation.status)
        if (setting.flag == 'f' && guardrails.failureModeMax && setting.value > *guardrails.failureModeMax &&
            setting.value == 2)
            dropNotes(translation, "CrashOnAuditFail is enabled: failure mode 2 panics");
    std::vector<std::string> changes;
    const auto say = [&](const std::string &subcategory, const std::string &message) {
        translation.notes.push_back({subcategory, message});
        changes.push_back(message);
    };
    for (auto &setting : translation.status) {
        if (setting.flag == 'f' && guardrails.failureModeMax && setting.value > *guardrails.failureModeMax) {
            say("", "failure_mode_max " + std::to_string(*guardrails.failureModeMax) +
                        " (gpauditd.conf): the policy's failure mode " + std::to_string(setting.value) + " (" +
                        setting.reason + ") is lowered to " + std::to_string(*guardrails.failureModeMax));
            setting.reason += "; lowered from " + std::to_string(setting.value) + " by failure_mode_max";
            setting.value = *guardrails.failureModeMax;
        }
        if (setting.flag == 'b' && guardrails.backlogMin && setting.value < *guardrails.backlogMin) {
            say("", "backlog_min " + std::to_string(*guardrails.backlogMin) +
                        " (gpauditd.conf): the policy's backlog limit " + std::to_string(setting.value) +
                        " is raised to " + std::to_string(*guardrails.backlogMin));
            setting.reason += "; raised from " + std::to_string(setting.value) + " by backlog_min";
            setting.value = *guardrails.backlogMin;
        }
    }
    if (guardrails.keepRecordTypes.empty())
        return changes;
    const auto kept = [&](std::string_view type) {
        return std::binary_search(guardrails.keepRecordTypes.begin(), guardrails.keepRecordTypes.end(), type);
    };
    const bool keepSyscall = kept("SYSCALL");
    std::vector<AuditRule> rules;
    rules.reserve(translation.rules.size());
    for (auto &rule : translation.rules) {
        if (isRecordFilter(rule)) {
            const auto *type = fieldNamed(rule, "msgtype");
            if (type != nullptr && kept(type->value)) {
                for (const char *origin : {"kernel", "user-space"})
                    dropNotes(translation,
                              std::string(origin) + " records of type " + type->value + " are switched off");
                say(rule.keys.empty() ? "" : rule.keys.front(), "keep_record_types (gpauditd.conf): records of type " +
                                                                    type->value + " stay on, although " +
                                                                    ownersOf(rule) + " would switch them off");
                continue;
            }
        }
        if (keepSyscall && rule.list == AuditRule::List::Exit && rule.action == AuditRule::Action::Never) {
            // MS-GPAC 2.2.1.3.2 per-user exclusion: it suppresses the SYSCALL record (and the records
            // that accompany it) of that user's matching syscalls.
            say(rule.keys.empty() ? "" : rule.keys.front(),
                "keep_record_types (gpauditd.conf) keeps SYSCALL records: the per-user exclusion " + rule.render() +
                    " is left out");
            continue;
        }
        rules.push_back(std::move(rule));
    }
    translation.rules = std::move(rules);
    return changes;
}

std::vector<std::string> auditingOffViolations(const Translation &translation, const Mapping &mapping)
{
    std::vector<std::string> out;
    for (const auto &setting : translation.status) {
        if (setting.flag != 'f' && setting.flag != 'b' && setting.flag != 'r')
            out.push_back(std::string("status setting -") + setting.flag + " (only -f, -b and -r are ever set)");
        if (setting.flag == 'f' && setting.value > kMaxFailureMode)
            out.push_back("failure mode " + std::to_string(setting.value) + " does not exist");
    }
    for (const auto &rule : translation.rules) {
        const auto text = rule.render();
        if (rule.list == AuditRule::List::Task) {
            out.push_back("a task-list rule: " + text);
            continue;
        }
        if (rule.list == AuditRule::List::Exit && rule.action == AuditRule::Action::Never) {
            // Only a per-user exclusion (MS-GPAC 2.2.1.3.2): one login user, never root (exclusions are
            // not honoured for administrators), never "unset" (every process before login).
            const auto *auid = fieldNamed(rule, "auid");
            std::uint32_t uid = 0;
            if (auid == nullptr || auid->op != "=" || !parseDecimal(auid->value, uid) || uid == 0 || uid == 4294967295u)
                out.push_back("a never rule on the exit list not narrowed to one login user: " + text);
            continue;
        }
        if (rule.list == AuditRule::List::Exclude && rule.action != AuditRule::Action::Always)
            out.push_back("a never rule on the exclude list: " + text);
        if (rule.list == AuditRule::List::User && rule.action != AuditRule::Action::Never)
            out.push_back("an always rule on the user list: " + text);
        if (rule.list == AuditRule::List::Exclude || rule.list == AuditRule::List::User) {
            // Exactly one field, msgtype = one named type that may be switched off.
            const auto *type = fieldNamed(rule, "msgtype");
            if (rule.fields.size() != 1 || type == nullptr || type->op != "=" || !validRecordTypeName(type->value))
                out.push_back("a record filter that is not exactly one record type: " + text);
            else if (!mapping.suppressible(type->value))
                out.push_back("a record filter on " + type->value + ", which is never switched off: " + text);
        }
    }
    return out;
}

std::vector<std::string> rulesFileViolations(std::string_view rulesFile)
{
    std::vector<std::string> out;
    std::size_t number = 0;
    for (auto line : splitLines(rulesFile)) {
        ++number;
        const auto trimmed = trim(line);
        if (trimmed.empty() || trimmed.front() == '#')
            continue;
        const auto where = "line " + std::to_string(number) + ": " + std::string(trimmed);
        if (trimmed.starts_with("-f ") || trimmed.starts_with("-b ") || trimmed.starts_with("-r ")) {
            std::uint32_t value = 0;
            if (!parseDecimal(trim(trimmed.substr(3)), value))
                out.push_back(where + " (not a number)");
            else if (trimmed[1] == 'f' && value > kMaxFailureMode)
                out.push_back(where + " (no such failure mode)");
            continue;
        }
        if (trimmed.starts_with("-a always,exit ") || trimmed.starts_with("-a never,exit ") ||
            trimmed.starts_with("-a always,exclude -F msgtype=") || trimmed.starts_with("-a never,user -F msgtype="))
            continue;
        out.push_back(where + " (only -f, -b, -r and exit, user and exclude rules are written)");
    }
    return out;
}

Result<std::vector<std::string>> enforceGuardrails(Translation &translation, const Guardrails &guardrails,
                                                   const Mapping &mapping)
{
    auto changes = applyGuardrails(translation, guardrails);
    const auto violations = auditingOffViolations(translation, mapping);
    if (violations.empty())
        return changes;
    std::string text;
    for (const auto &violation : violations)
        text += (text.empty() ? "" : "; ") + violation;
    return fail("refusing a translation that could turn auditing off (a bug: please report it): " + text);
}

} // namespace gpaudit::core
