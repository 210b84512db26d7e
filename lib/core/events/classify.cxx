// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/events/classify.hxx"

#include "core/linux/translate.hxx"

#include <algorithm>
#include <charconv>
#include <optional>

namespace gpaudit::core::events {

namespace {

// The errno names rules/mapping.yaml uses in exits: (asm-generic/errno-base.h).
std::optional<std::int64_t> exitCode(std::string_view text)
{
    bool negative = false;
    if (!text.empty() && text.front() == '-') {
        negative = true;
        text.remove_prefix(1);
    }
    static const std::map<std::string_view, std::int64_t> names = {{"EPERM", 1},   {"ENOENT", 2},  {"EACCES", 13},
                                                                   {"EEXIST", 17}, {"EINVAL", 22}, {"EROFS", 30}};
    std::int64_t value = 0;
    if (auto it = names.find(text); it != names.end())
        value = it->second;
    else {
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size())
            return std::nullopt;
    }
    return negative ? -value : value;
}

bool under(std::string_view path, std::string_view dir)
{
    if (path == dir)
        return true;
    if (dir == "/")
        return !path.empty() && path.front() == '/';
    return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

} // namespace

Classifier::Classifier(const Catalog &catalog, const Mapping &mapping, ClassifyOptions options)
    : catalog_(catalog), options_(options)
{
    for (char perm : std::string_view("rwxa"))
        for (const auto &name : mapping.permSyscalls(perm))
            fileSyscalls_.insert(name);
    const auto &subs = catalog.subcategories();
    entries_.resize(subs.size());
    for (std::size_t i = 0; i < subs.size(); ++i) {
        const auto &m = mapping.of(i);
        if (!m.mapped)
            continue;
        auto &entry = entries_[i];
        entry.fileGlobalSacl = m.fileGlobalSacl;
        for (const auto &rule : m.rules) {
            Template t;
            if (!rule.path.empty() || !rule.dir.empty()) {
                t.path = normalPath(rule.path.empty() ? rule.dir : rule.path);
                t.isDir = rule.path.empty();
                t.perm = rule.perm;
                // A watch matches the syscalls of its permission classes (kernel audit_match_perm).
                for (char perm : rule.perm)
                    for (const auto &name : mapping.permSyscalls(perm))
                        t.syscalls.insert(name);
            }
            if (!rule.syscalls.empty()) {
                std::set<std::string, std::less<>> named;
                for (const auto &name : mapping.expandSyscalls(rule.syscalls))
                    named.insert(name);
                if (t.path.empty())
                    t.syscalls = std::move(named);
                else
                    std::erase_if(t.syscalls, [&](const auto &name) { return !named.contains(name); });
            }
            t.fields = rule.fields;
            if (rule.result == ResultMode::FailureExits)
                for (const auto &text : rule.exits)
                    if (auto code = exitCode(text))
                        t.exits.push_back(*code);
            entry.templates.push_back(std::move(t));
        }
        for (const auto *records : {&m.userRecords, &m.kernelRecords})
            for (const auto &type : *records) {
                auto &list = byRecordType_[type];
                if (list.empty() || list.back() != i)
                    list.push_back(i);
            }
    }
}

bool Classifier::fieldHolds(const FieldSpec &field, const AuditEvent &event) const
{
    // The value of a field name this event knows; nullopt = not visible in the event.
    auto valueOf = [&](std::string_view name) -> std::optional<std::int64_t> {
        if (name == "uid")
            return event.uid;
        if (name == "euid")
            return event.euid;
        if (name == "gid")
            return event.gid;
        if (name == "egid")
            return event.egid;
        if (name == "auid" || name == "loginuid")
            return event.auid;
        if (name == "ses" || name == "sessionid")
            return event.ses;
        if (name == "pid")
            return event.pid;
        if (name == "ppid")
            return event.ppid;
        if (name == "obj_uid")
            return event.objUid ? std::optional<std::int64_t>(*event.objUid) : std::nullopt;
        if (name == "exit")
            return event.exit;
        if (name == "success")
            return event.success ? std::optional<std::int64_t>(*event.success ? 1 : 0) : std::nullopt;
        if (name.size() == 2 && name[0] == 'a' && name[1] >= '0' && name[1] <= '3')
            return static_cast<std::int64_t>(event.args[static_cast<std::size_t>(name[1] - '0')]);
        return std::nullopt;
    };
    const auto left = valueOf(field.name);
    std::optional<std::int64_t> right;
    if (field.compare)
        right = valueOf(field.value);
    else if (field.value == "unset" || field.value == "-1")
        right = kUnsetId;
    else if (field.value == "${UID_MIN}")
        right = options_.uidMin;
    else
        right = exitCode(field.value);
    // A field the event does not show cannot narrow it: the kernel already checked it before writing
    // the record, and the key says which rule matched.
    if (!left || !right)
        return true;
    const auto &op = field.op;
    if (op == "=")
        return *left == *right;
    if (op == "!=")
        return *left != *right;
    if (op == ">=")
        return *left >= *right;
    if (op == "<=")
        return *left <= *right;
    if (op == ">")
        return *left > *right;
    if (op == "<")
        return *left < *right;
    if (op == "&")
        return (*left & *right) != 0;
    if (op == "&=")
        return (*left & *right) == *right;
    return true;
}

bool Classifier::covers(const Template &t, const AuditEvent &event) const
{
    if (!t.syscalls.contains(event.syscall))
        return false;
    if (!t.path.empty()) {
        const bool hit = std::any_of(event.paths.begin(), event.paths.end(),
                                     [&](const auto &path) { return t.isDir ? under(path, t.path) : path == t.path; });
        if (!hit)
            return false;
        // open and openat match a watch by their access mode only (kernel audit_match_perm: mask &
        // ACC_MODE(flags); O_RDONLY reads, O_WRONLY writes, O_RDWR both): read is 'r', write is 'w'.
        if (event.syscall == "open" || event.syscall == "openat") {
            const auto flags = event.args[event.syscall == "open" ? 1 : 2];
            const auto mode = flags & 3U;
            const bool reads = mode != 1;
            const bool writes = mode != 0;
            const bool r = t.perm.find('r') != std::string::npos;
            const bool w = t.perm.find('w') != std::string::npos;
            if (!((r && reads) || (w && writes)))
                return false;
        }
    }
    for (const auto &field : t.fields)
        if (!fieldHolds(field, event))
            return false;
    if (!t.exits.empty() && (!event.exit || std::find(t.exits.begin(), t.exits.end(), *event.exit) == t.exits.end()))
        return false;
    return true;
}

std::vector<std::size_t> Classifier::classify(const AuditEvent &event) const
{
    std::vector<std::size_t> out;
    // Record types of mapping.yaml's records: (user-space and kernel records, no rule, no key). They may
    // come alone or with the SYSCALL record of the process that caused them (CONFIG_CHANGE of auditctl).
    auto addRecordType = [&](const std::string &type) {
        if (auto it = byRecordType_.find(type); it != byRecordType_.end())
            out.insert(out.end(), it->second.begin(), it->second.end());
    };
    addRecordType(event.recordType);
    for (const auto &type : event.otherRecordTypes)
        addRecordType(type);
    for (const auto &key : event.keys) {
        if (!key.starts_with(kKeyPrefix))
            continue; // someone else's rule
        const auto *sub = catalog_.bySlug(std::string_view(key).substr(kKeyPrefix.size()));
        if (sub == nullptr)
            continue;
        const auto index = catalog_.indexOf(*sub);
        const auto &entry = entries_[index];
        bool served = std::any_of(entry.templates.begin(), entry.templates.end(),
                                  [&](const auto &t) { return covers(t, event); });
        // FileGlobalSacl rules are watches on the ACEs' paths (not in the mapping): any file syscall.
        if (!served && entry.fileGlobalSacl)
            served = !event.paths.empty() && fileSyscalls_.contains(event.syscall);
        if (served)
            out.push_back(index);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<std::string> Classifier::slugs(const AuditEvent &event) const
{
    std::vector<std::string> out;
    for (auto index : classify(event))
        out.push_back(catalog_.subcategories()[index].slug);
    return out;
}

} // namespace gpaudit::core::events
