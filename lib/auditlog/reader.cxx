// SPDX-License-Identifier: GPL-2.0-or-later
#include "auditlog/reader.hxx"

#include <algorithm>
#include <auparse.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <libaudit.h>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace gpaudit::auditlog {

namespace {

using core::events::AuditEvent;

template <typename T> bool parseNumber(std::string_view text, T &out, int base = 10)
{
    if (text.empty())
        return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc{} && end == text.data() + text.size();
}

std::uint32_t idValue(const char *raw)
{
    std::uint32_t value = core::events::kUnsetId;
    std::int64_t wide = 0;
    // "4294967295" and "-1" both mean unset.
    if (raw != nullptr && parseNumber(raw, wide) && wide >= 0 && wide <= 0xffffffffLL)
        value = static_cast<std::uint32_t>(wide);
    return value;
}

std::string unquoted(const char *raw)
{
    std::string_view text = raw == nullptr ? "" : raw;
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
        text = text.substr(1, text.size() - 2);
    return std::string(text);
}

// The key field: "name" (one key, quoted), (null), or hex (several keys joined by 0x01, which the kernel
// hex-encodes like any value with a control character).
std::vector<std::string> keysOf(const char *raw)
{
    std::string_view text = raw == nullptr ? "" : raw;
    if (text.empty() || text == "(null)")
        return {};
    if (text.front() == '"')
        return core::events::splitKeys(unquoted(raw));
    std::string decoded;
    if (text.size() % 2 != 0)
        return core::events::splitKeys(text);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        unsigned byte = 0;
        if (!parseNumber(text.substr(i, 2), byte, 16))
            return core::events::splitKeys(text);
        decoded += static_cast<char>(byte);
    }
    return core::events::splitKeys(decoded);
}

// An untrusted string value of the kernel's (audit_log_untrustedstring): "quoted" when it has only
// printable characters other than the quote, else hex. Decoded here from auparse's field: the same
// result as auparse_interpret_field in escape mode AUPARSE_ESC_RAW, without its per-field cost.
std::string decoded(const char *raw)
{
    std::string_view text = raw == nullptr ? "" : raw;
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
        return std::string(text.substr(1, text.size() - 2));
    if (text == "(null)")
        return {};
    std::string out;
    if (text.size() % 2 != 0)
        return std::string(text);
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        unsigned byte = 0;
        if (!parseNumber(text.substr(i, 2), byte, 16))
            return std::string(text);
        out += static_cast<char>(byte);
    }
    return out;
}

// A field of a user-space or kernel record: "quoted", or hex for the untrusted strings that the kernel
// and libaudit encode (audit_log_untrustedstring, audit_encode_nv_string); numbers and words as they are
// (an id of "1001" is not hex).
std::string recordValue(std::string_view field, const char *raw)
{
    static const std::set<std::string_view> encoded = {"acct", "exe", "comm", "cmd",       "name",     "key",
                                                       "grp",  "cwd", "data", "new_group", "hostname", "device"};
    std::string_view text = raw == nullptr ? "" : raw;
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
        return std::string(text.substr(1, text.size() - 2));
    if (encoded.contains(field))
        return decoded(raw);
    return std::string(text);
}

// The syscall's name through auparse (it knows the record's arch), once per (arch, number).
std::string syscallName(auparse_state_t *au, std::uint32_t arch, const char *raw)
{
    static std::map<std::pair<std::uint32_t, std::string>, std::string> names;
    auto key = std::make_pair(arch, std::string(raw == nullptr ? "" : raw));
    if (auto it = names.find(key); it != names.end())
        return it->second;
    const char *value = auparse_interpret_field(au);
    std::string name = value == nullptr ? std::string() : std::string(value);
    if (names.size() < 4096)
        names.emplace(std::move(key), name);
    return name;
}

// pid=, uid=, auid=, ses= of a record that is not a SYSCALL record (the first value seen wins).
bool userIdentity(AuditEvent &event, std::string_view field, const char *raw)
{
    if (field == "pid") {
        if (event.pid == 0)
            event.pid = idValue(raw) == core::events::kUnsetId ? 0 : idValue(raw);
    } else if (field == "uid") {
        if (event.uid == core::events::kUnsetId)
            event.uid = idValue(raw);
    } else if (field == "auid") {
        if (event.auid == core::events::kUnsetId)
            event.auid = idValue(raw);
    } else if (field == "ses") {
        if (event.ses == core::events::kUnsetId)
            event.ses = idValue(raw);
    } else {
        return false;
    }
    return true;
}

// The text fields of a user-space record's message (pam, sshd, login: acct="alice" addr=10.0.0.1 ...).
bool userText(AuditEvent &event, std::string_view field, const char *raw)
{
    std::string *target = field == "acct"       ? &event.account
                          : field == "addr"     ? &event.address
                          : field == "hostname" ? &event.remoteHost
                          : field == "terminal" ? &event.terminal
                          : field == "exe"      ? &event.program
                                                : nullptr;
    if (target == nullptr)
        return false;
    if (target->empty()) {
        *target = decoded(raw);
        if (*target == "?")
            target->clear();
    }
    return true;
}

// One auparse event (the cursor is at it) -> AuditEvent.
AuditEvent convert(auparse_state_t *au)
{
    AuditEvent event;
    if (const au_event_t *stamp = auparse_get_timestamp(au)) {
        event.seconds = static_cast<std::int64_t>(stamp->sec);
        event.milliseconds = stamp->milli;
        event.serial = stamp->serial;
        if (stamp->host != nullptr)
            event.node = stamp->host;
    }
    std::vector<std::tuple<int, std::string, std::uint64_t>> rawPaths; // item, name, inode
    bool first = true;
    bool sawSyscall = false;
    bool ownRecordTaken = false; // recordFields come from the first record that is not a syscall's
    std::uint32_t arch = 0;
    if (auparse_first_record(au) <= 0)
        return event;
    do {
        const int type = auparse_get_type(au);
        {
            const char *name = auparse_get_type_name(au);
            std::string typeName = name == nullptr ? std::to_string(type) : name;
            if (first)
                event.recordType = std::move(typeName);
            else if (typeName != event.recordType &&
                     std::find(event.otherRecordTypes.begin(), event.otherRecordTypes.end(), typeName) ==
                         event.otherRecordTypes.end())
                event.otherRecordTypes.push_back(std::move(typeName));
            first = false;
        }
        if (type == AUDIT_SYSCALL)
            sawSyscall = true;
        const bool ownRecord = !ownRecordTaken && type != AUDIT_SYSCALL && type != AUDIT_EXECVE && type != AUDIT_PATH &&
                               type != AUDIT_CWD && type != AUDIT_PROCTITLE;
        if (ownRecord)
            ownRecordTaken = true;
        if (auparse_first_field(au) <= 0)
            continue;
        int pathItem = -1;
        std::string pathName;
        std::uint64_t pathInode = 0;
        do {
            const char *fieldName = auparse_get_field_name(au);
            const char *raw = auparse_get_field_str(au);
            if (fieldName == nullptr)
                continue;
            const std::string_view field = fieldName;
            if (type == AUDIT_SYSCALL) {
                if (field == "arch") {
                    if (raw != nullptr && parseNumber(raw, arch, 16))
                        event.arch = (arch & 0x80000000U) != 0 ? "b64" : "b32"; // __AUDIT_ARCH_64BIT
                } else if (field == "syscall") {
                    event.syscall = syscallName(au, arch, raw);
                } else if (field == "success") {
                    event.success = raw != nullptr && std::strcmp(raw, "yes") == 0;
                } else if (field == "exit") {
                    std::int64_t value = 0;
                    if (raw != nullptr && parseNumber(raw, value))
                        event.exit = value;
                } else if (field.size() == 2 && field[0] == 'a' && field[1] >= '0' && field[1] <= '3') {
                    std::uint64_t value = 0;
                    if (raw != nullptr && parseNumber(raw, value, 16))
                        event.args[static_cast<std::size_t>(field[1] - '0')] = value;
                } else if (field == "pid") {
                    event.pid = idValue(raw);
                } else if (field == "ppid") {
                    event.ppid = idValue(raw);
                } else if (field == "uid") {
                    event.uid = idValue(raw);
                } else if (field == "euid") {
                    event.euid = idValue(raw);
                } else if (field == "gid") {
                    event.gid = idValue(raw);
                } else if (field == "egid") {
                    event.egid = idValue(raw);
                } else if (field == "auid") {
                    event.auid = idValue(raw);
                } else if (field == "ses") {
                    event.ses = idValue(raw);
                } else if (field == "exe") {
                    event.exe = decoded(raw);
                } else if (field == "comm") {
                    event.comm = decoded(raw);
                } else if (field == "key") {
                    // auparse splits a multi-key field into one key= field per key; hex is decoded here
                    // too in case a version does not.
                    for (auto &key : keysOf(raw))
                        event.keys.push_back(std::move(key));
                }
            } else if (type == AUDIT_EXECVE) {
                // a0, a1... and, for a long argument, a1_len, a1[0], a1[1]... (kernel audit_log_execve_info)
                if (field.size() < 2 || field[0] != 'a' || field.ends_with("_len"))
                    continue;
                const auto bracket = field.find('[');
                std::size_t index = 0;
                if (!parseNumber(field.substr(1, bracket == std::string_view::npos ? field.npos : bracket - 1), index))
                    continue;
                if (index >= 4096)
                    continue; // bounded: more arguments than any command line a reader wants
                if (event.argv.size() <= index)
                    event.argv.resize(index + 1);
                event.argv[index] += decoded(raw);
            } else if (type == AUDIT_CWD) {
                if (field == "cwd")
                    event.cwd = decoded(raw);
            } else if (type == AUDIT_PATH) {
                if (field == "item") {
                    if (raw != nullptr)
                        parseNumber(raw, pathItem);
                } else if (field == "name") {
                    if (raw != nullptr && std::strcmp(raw, "(null)") != 0)
                        pathName = decoded(raw);
                } else if (field == "ouid" && !event.objUid && pathItem <= 0) {
                    event.objUid = idValue(raw);
                } else if (field == "inode") {
                    if (raw == nullptr || !parseNumber(raw, pathInode))
                        pathInode = 0;
                }
            } else if (ownRecord) {
                // A user-space or kernel record (USER_START, CONFIG_CHANGE, ADD_USER, TIME_INJOFFSET...):
                // its fields for the renderer; the process fields when no SYSCALL record gives them.
                if (event.recordFields.size() < core::events::kMaxRecordFields &&
                    std::none_of(event.recordFields.begin(), event.recordFields.end(),
                                 [&](const auto &f) { return f.first == field; })) {
                    auto value = recordValue(field, raw);
                    if (value.size() > core::events::kMaxFieldValue)
                        value.resize(core::events::kMaxFieldValue);
                    event.recordFields.emplace_back(std::string(field), std::move(value));
                }
                if (!sawSyscall) {
                    if (field == "exe" && event.exe.empty())
                        event.exe = decoded(raw);
                    else
                        userIdentity(event, field, raw); // pid/uid/auid/ses of a record-only event
                }
                if (type >= AUDIT_FIRST_USER_MSG && type <= AUDIT_LAST_USER_MSG2)
                    userText(event, field, raw); // acct=, addr=, hostname=, terminal=, exe= of a user-space record
                if (field == "res" || (field == "success" && !event.success)) {
                    if (raw != nullptr) {
                        const std::string value = unquoted(raw);
                        event.success = value == "success" || value == "yes" || value == "1";
                    }
                }
            } else if (field == "res" || (field == "success" && !event.success)) {
                // user-space records: res=success|failed (or 1/0)
                if (raw != nullptr) {
                    const std::string value = unquoted(raw);
                    event.success = value == "success" || value == "yes" || value == "1";
                }
            }
        } while (auparse_next_field(au) > 0);
        if (type == AUDIT_PATH && !pathName.empty())
            rawPaths.emplace_back(pathItem, std::move(pathName), pathInode);
    } while (auparse_next_record(au) > 0);
    for (auto &[item, name, inode] : rawPaths) {
        event.paths.push_back(core::events::normalPath(name, event.cwd));
        event.pathInodes.push_back(inode);
    }
    return event;
}

} // namespace

Result<ReadStats> readLog(const std::string &path, const EventSink &sink)
{
    // auparse's feed interface over the file read in blocks: its memory stays bounded by the events in
    // flight (AUSOURCE_FILE grew with the log: 46 MB for a 36 MB log, 8 MB this way).
    ReadStats stats;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fail(std::string("cannot read the audit log: ") + std::strerror(errno), {path});
    const std::unique_ptr<int, void (*)(int *)> closer(new int(fd), [](int *owned) {
        ::close(*owned);
        delete owned;
    });
    auto feeder = Feeder::create([&](const AuditEvent &event) {
        sink(event);
        ++stats.events;
    });
    if (!feeder)
        return fail(feeder.error().message, {path});
    std::vector<char> buffer(1 << 16);
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(std::string("cannot read the audit log: ") + std::strerror(errno), {path});
        if (n == 0)
            break;
        if (auto fed = (*feeder)->feed({buffer.data(), static_cast<std::size_t>(n)}); !fed)
            return fail("auparse could not read the log", {path});
    }
    (*feeder)->finish();
    return stats;
}

struct Feeder::State {
    auparse_state_t *au = nullptr;
    EventSink sink;
    Feeder *owner = nullptr;
};

Result<std::unique_ptr<Feeder>> Feeder::create(EventSink sink)
{
    std::unique_ptr<Feeder> feeder(new Feeder());
    feeder->state_ = std::make_unique<State>();
    feeder->state_->sink = std::move(sink);
    feeder->state_->owner = feeder.get();
    feeder->state_->au = auparse_init(AUSOURCE_FEED, nullptr);
    if (feeder->state_->au == nullptr)
        return fail(std::string("auparse_init: ") + std::strerror(errno));
    auparse_set_escape_mode(feeder->state_->au, AUPARSE_ESC_RAW);
    auparse_add_callback(
        feeder->state_->au,
        [](auparse_state_t *au, auparse_cb_event_t type, void *data) {
            if (type != AUPARSE_CB_EVENT_READY)
                return;
            auto *state = static_cast<State *>(data);
            state->sink(convert(au));
            ++state->owner->events_;
        },
        feeder->state_.get(), nullptr);
    return feeder;
}

Feeder::~Feeder()
{
    if (state_ && state_->au != nullptr)
        auparse_destroy(state_->au);
}

Result<void> Feeder::feed(std::string_view bytes)
{
    if (auparse_feed(state_->au, bytes.data(), bytes.size()) != 0)
        return fail("auparse_feed failed");
    return {};
}

void Feeder::finish()
{
    auparse_flush_feed(state_->au);
}

} // namespace gpaudit::auditlog
