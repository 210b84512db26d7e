// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/audit_netlink.hxx"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <libaudit.h>
#include <linux/netlink.h>
#include <unistd.h>

// libaudit 3.0.9 keeps the state of the rule being built in these globals and does not declare
// them in its header: they must be reset before building each rule, or the arch and syscall checks
// of the previous rule leak into the next one.
extern "C" {
extern int _audit_syscalladded;
extern int _audit_archadded;
extern int _audit_permadded;
extern int _audit_exeadded;
extern int _audit_filterfsadded;
extern unsigned int _audit_elf;
}

namespace gpaudit::kernel {

void RuleDataFree::operator()(audit_rule_data *rule) const
{
    audit_rule_free_data(rule);
}

namespace {

int listOf(core::AuditRule::List list)
{
    switch (list) {
    case core::AuditRule::List::Exit:
        return AUDIT_FILTER_EXIT;
    case core::AuditRule::List::User:
        return AUDIT_FILTER_USER;
    case core::AuditRule::List::Exclude:
        return AUDIT_FILTER_EXCLUDE;
    case core::AuditRule::List::Task:
        return AUDIT_FILTER_TASK;
    }
    return AUDIT_FILTER_EXIT;
}

bool isStringField(std::uint32_t field)
{
    switch (field) {
    case AUDIT_SUBJ_USER:
    case AUDIT_SUBJ_ROLE:
    case AUDIT_SUBJ_TYPE:
    case AUDIT_SUBJ_SEN:
    case AUDIT_SUBJ_CLR:
    case AUDIT_OBJ_USER:
    case AUDIT_OBJ_ROLE:
    case AUDIT_OBJ_TYPE:
    case AUDIT_OBJ_LEV_LOW:
    case AUDIT_OBJ_LEV_HIGH:
    case AUDIT_WATCH:
    case AUDIT_DIR:
    case AUDIT_FILTERKEY:
    case AUDIT_EXE:
        return true;
    default:
        return false;
    }
}

// Canonical text of a kernel rule. The kernel expands the syscall-class bits at the top of the mask
// (AUDIT_SYSCALL_CLASSES) into the syscalls they stand for, so those bits are left out; the prepend
// flag is how a rule was added, not what it is.
void describe(const audit_rule_data &rule, std::string &identity, std::vector<std::string> &keys)
{
    char buffer[64];
    (void)std::snprintf(buffer, sizeof buffer, "l%u a%u n%u m", rule.flags & ~AUDIT_FILTER_PREPEND, rule.action,
                        rule.field_count);
    identity = buffer;
    for (int word = 0; word < AUDIT_BITMASK_SIZE; ++word) {
        std::uint32_t bits = rule.mask[word];
        if (word == AUDIT_BITMASK_SIZE - 1)
            bits &= 0x0000FFFFU; // the 16 class bits are the top of the last word
        (void)std::snprintf(buffer, sizeof buffer, "%x.", bits);
        identity += buffer;
    }
    std::size_t offset = 0;
    for (std::uint32_t i = 0; i < rule.field_count && i < AUDIT_MAX_FIELDS; ++i) {
        (void)std::snprintf(buffer, sizeof buffer, " %u/%x=", rule.fields[i], rule.fieldflags[i]);
        identity += buffer;
        if (isStringField(rule.fields[i])) {
            const std::size_t length = rule.values[i];
            if (offset + length > rule.buflen)
                break; // malformed reply: identity stays distinct, never equal to a good rule
            std::string text(rule.buf + offset, length);
            offset += length;
            identity += '"' + text + '"';
            if (rule.fields[i] == AUDIT_FILTERKEY) {
                std::size_t start = 0;
                while (start <= text.size()) {
                    const auto end = text.find(static_cast<char>(AUDIT_KEY_SEPARATOR), start);
                    keys.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
                    if (end == std::string::npos)
                        break;
                    start = end + 1;
                }
            }
        } else {
            (void)std::snprintf(buffer, sizeof buffer, "%x", rule.values[i]);
            identity += buffer;
        }
    }
}

KernelRule finish(RuleData data)
{
    KernelRule rule;
    describe(*data, rule.identity, rule.keys);
    rule.list = static_cast<int>(data->flags & ~AUDIT_FILTER_PREPEND);
    rule.action = static_cast<int>(data->action);
    rule.data = std::move(data);
    return rule;
}

Unexpected errnoError(const std::string &what, int error)
{
    return fail(what + ": " + std::strerror(error));
}

} // namespace

bool KernelRule::keyedOurs() const
{
    for (const auto &key : keys)
        if (key.rfind(std::string(core::kKeyPrefix), 0) == 0)
            return true;
    return false;
}

Result<KernelRule> buildRule(const core::AuditRule &rule)
{
    _audit_syscalladded = 0;
    _audit_archadded = 0;
    _audit_permadded = 0;
    _audit_exeadded = 0;
    _audit_filterfsadded = 0;
    _audit_elf = 0;
    audit_rule_data *raw = audit_rule_create_data();
    if (raw == nullptr)
        return fail("out of memory building an audit rule");
    RuleData data(raw);
    const int list = listOf(rule.list);
    const auto text = rule.render();
    // audit_rule_fieldpair_data writes into its argument and may reallocate the rule: pass a
    // writable copy and a pointer it can update.
    auto field = [&](const std::string &pair, bool compare) -> Result<void> {
        std::vector<char> writable(pair.begin(), pair.end());
        writable.push_back('\0');
        audit_rule_data *current = data.release();
        const int rc = compare ? audit_rule_interfield_comp_data(&current, writable.data(), list)
                               : audit_rule_fieldpair_data(&current, writable.data(), list);
        data.reset(current);
        if (rc < 0)
            return fail("libaudit refused \"" + pair + "\" (libaudit error " + std::to_string(-rc) + ") in: " + text);
        return {};
    };
    if (!rule.arch.empty())
        if (auto ok = field("arch=" + rule.arch, false); !ok)
            return tl::unexpected(ok.error());
    for (const auto &name : rule.syscalls) {
        if (audit_rule_syscallbyname_data(data.get(), name.c_str()) < 0) {
            std::string message = "libaudit does not know syscall \"";
            message.append(name).append("\" for arch ").append(rule.arch).append(" in: ").append(text);
            return fail(std::move(message));
        }
    }
    if (rule.list == core::AuditRule::List::Exit && rule.syscalls.empty())
        audit_rule_syscallbyname_data(data.get(), "all"); // watches: every syscall, the inode decides
    // Like auditctl: libaudit's syscall helper does not record that a syscall was added, and the
    // key field is refused (EAU_KEYDEP) until it is.
    if (rule.list == core::AuditRule::List::Exit)
        _audit_syscalladded = 1;
    for (const auto &spec : rule.fields)
        if (auto ok = field(spec.str(), spec.compare); !ok)
            return tl::unexpected(ok.error());
    if (rule.list == core::AuditRule::List::Exit && !rule.keys.empty())
        if (auto ok = field("key=" + rule.keyText(), false); !ok)
            return tl::unexpected(ok.error());
    data->flags = static_cast<std::uint32_t>(list);
    data->action = rule.action == core::AuditRule::Action::Always ? AUDIT_ALWAYS : AUDIT_NEVER;
    return finish(std::move(data));
}

Result<AuditNetlink> AuditNetlink::open()
{
    set_aumessage_mode(MSG_QUIET, DBG_NO); // errors are reported by the caller, not printed by libaudit
    const int fd = audit_open();
    if (fd < 0) {
        const int error = errno;
        if (error == EPROTONOSUPPORT || error == EINVAL || error == EAFNOSUPPORT)
            return fail("the kernel has no audit support (audit netlink socket: " + std::string(std::strerror(error)) +
                        ")");
        return errnoError("cannot open the audit netlink socket", error);
    }
    return AuditNetlink(fd);
}

AuditNetlink::AuditNetlink(AuditNetlink &&other) noexcept : fd_(other.fd_), writes_(other.writes_)
{
    other.fd_ = -1;
}

AuditNetlink &AuditNetlink::operator=(AuditNetlink &&other) noexcept
{
    if (this != &other) {
        if (fd_ >= 0)
            audit_close(fd_);
        fd_ = other.fd_;
        writes_ = other.writes_;
        other.fd_ = -1;
    }
    return *this;
}

AuditNetlink::~AuditNetlink()
{
    if (fd_ >= 0)
        audit_close(fd_);
}

Result<core::AuditState> readAuditState()
{
    auto netlink = AuditNetlink::open();
    if (!netlink)
        return tl::unexpected(netlink.error());
    auto status = netlink->status();
    if (!status)
        return tl::unexpected(status.error());
    return core::AuditState{status->enabled,      status->failure, status->pid,    status->rateLimit,
                            status->backlogLimit, status->lost,    status->backlog};
}

Result<KernelStatus> AuditNetlink::status()
{
    if (audit_request_status(fd_) < 0)
        return errnoError("cannot ask the kernel for the audit status", errno);
    for (int attempt = 0; attempt < 64; ++attempt) {
        audit_reply reply{};
        const int rc = audit_get_reply(fd_, &reply, GET_REPLY_BLOCKING, 0);
        if (rc <= 0)
            return errnoError("no audit status reply", rc < 0 ? -rc : EIO);
        if (reply.type == NLMSG_ERROR && reply.error->error != 0)
            return errnoError("audit status refused", -reply.error->error);
        if (reply.type == AUDIT_GET) {
            KernelStatus status;
            status.enabled = reply.status->enabled;
            status.failure = reply.status->failure;
            status.pid = reply.status->pid;
            status.rateLimit = reply.status->rate_limit;
            status.backlogLimit = reply.status->backlog_limit;
            status.lost = reply.status->lost;
            status.backlog = reply.status->backlog;
            return status;
        }
    }
    return fail("no audit status in the kernel's replies");
}

Result<std::vector<KernelRule>> AuditNetlink::listRules()
{
    if (audit_request_rules_list_data(fd_) < 0)
        return errnoError("cannot ask the kernel for its audit rules (root needed)", errno);
    std::vector<KernelRule> rules;
    while (true) {
        audit_reply reply{};
        const int rc = audit_get_reply(fd_, &reply, GET_REPLY_BLOCKING, 0);
        if (rc <= 0)
            return errnoError("the audit rule list ended early", rc < 0 ? -rc : EIO);
        if (reply.type == NLMSG_DONE)
            break;
        if (reply.type == NLMSG_ERROR) {
            if (reply.error->error != 0)
                return errnoError("the kernel refused to list audit rules", -reply.error->error);
            continue;
        }
        if (reply.type != AUDIT_LIST_RULES)
            continue;
        // The reply points into libaudit's receive buffer: copy it into a rule of our own,
        // allocated like libaudit's so audit_rule_free_data can free it.
        const std::size_t size = sizeof(audit_rule_data) + reply.ruledata->buflen;
        auto *copy = static_cast<audit_rule_data *>(std::malloc(size));
        if (copy == nullptr)
            return fail("out of memory reading audit rules");
        std::memcpy(copy, reply.ruledata, size);
        rules.push_back(finish(RuleData(copy)));
    }
    return rules;
}

Result<void> AuditNetlink::addRule(const KernelRule &rule, bool prepend)
{
    const int flags = rule.list | (prepend ? AUDIT_FILTER_PREPEND : 0);
    ++writes_;
    const int rc = audit_add_rule_data(fd_, rule.data.get(), flags, rule.action);
    if (rc < 0)
        return errnoError("the kernel refused the rule", -rc);
    return {};
}

Result<void> AuditNetlink::deleteRule(const KernelRule &rule)
{
    ++writes_;
    const int rc = audit_delete_rule_data(fd_, rule.data.get(), rule.list, rule.action);
    if (rc < 0)
        return errnoError("the kernel refused to delete the rule", -rc);
    return {};
}

Result<void> AuditNetlink::setEnabled(std::uint32_t enabled)
{
    ++writes_;
    const int rc = audit_set_enabled(fd_, enabled);
    if (rc < 0)
        return errnoError("the kernel refused audit enabled=" + std::to_string(enabled), -rc);
    return {};
}

Result<void> AuditNetlink::setStatus(char flag, std::uint32_t value)
{
    ++writes_;
    int rc = 0;
    switch (flag) {
    case 'f':
        rc = audit_set_failure(fd_, value);
        break;
    case 'b':
        rc = audit_set_backlog_limit(fd_, value);
        break;
    case 'r':
        rc = audit_set_rate_limit(fd_, value);
        break;
    default:
        return fail(std::string("unknown audit status setting -") + flag);
    }
    if (rc < 0)
        return errnoError(std::string("the kernel refused -") + flag + " " + std::to_string(value), -rc);
    return {};
}

} // namespace gpaudit::kernel
