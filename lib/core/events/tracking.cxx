// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/events/tracking.hxx"

#include <algorithm>
#include <cstdio>

namespace gpaudit::core::events {

namespace {

ProcessImage imageOf(const AuditEvent &event, bool started)
{
    ProcessImage image;
    image.pid = event.pid;
    image.ppid = event.ppid;
    image.auid = event.auid;
    image.ses = event.ses;
    image.uid = event.uid;
    image.euid = event.euid;
    image.exe = event.exe;
    image.argv.assign(event.argv.begin(), event.argv.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                                   event.argv.size(), ProcessImage::kMaxArgs)));
    image.started = started;
    image.start = stampOf(event);
    return image;
}

// The same process (not a reused pid): an exec or exit keeps the creator (ppid) and the session, except
// that a process outside any session may enter one (pam_loginuid, or a write to /proc/self/loginuid:
// the kernel gives it a new ses) and run its next program there. A reused pid has another creator, or
// the same creator in another session. (A process reparented after its creator died changes ppid too and
// is then taken for a new one; the kernel records nothing that would tell.)
bool sameProcess(const ProcessImage &image, const AuditEvent &event)
{
    return image.ppid == event.ppid && (image.ses == event.ses || image.ses == kUnsetId);
}

// Rebuilds an eviction order from the live entries when stale ones dominate (bounded memory).
template <typename Map, typename SerialOf>
void compact(std::deque<std::pair<std::uint32_t, std::uint64_t>> &order, const Map &live, SerialOf serialOf)
{
    if (order.size() <= 2 * live.size() + 1024)
        return;
    order.clear();
    for (const auto &[pid, value] : live)
        order.emplace_back(pid, serialOf(value));
    std::sort(order.begin(), order.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
}

} // namespace

AuditStamp stampOf(const AuditEvent &event)
{
    return {event.seconds, event.milliseconds, event.serial};
}

std::string auditId(const AuditStamp &stamp)
{
    char buffer[64];
    (void)std::snprintf(buffer, sizeof buffer, "%lld.%03u:%llu", static_cast<long long>(stamp.seconds),
                        stamp.milliseconds % 1000, static_cast<unsigned long long>(stamp.serial));
    return buffer;
}

std::string_view endName(ImageEnd end)
{
    switch (end) {
    case ImageEnd::Exited:
        return "exited";
    case ImageEnd::Abended:
        return "abended";
    case ImageEnd::Replaced:
        return "replaced";
    case ImageEnd::Vanished:
        return "vanished";
    case ImageEnd::Running:
        return "running";
    case ImageEnd::Evicted:
        return "evicted";
    }
    return "?";
}

std::optional<std::int64_t> ProcessImage::durationMs() const
{
    if (!started || !endStamp)
        return std::nullopt;
    return (endStamp->seconds - start.seconds) * 1000 +
           (static_cast<std::int64_t>(endStamp->milliseconds) - static_cast<std::int64_t>(start.milliseconds));
}

bool isExec(const AuditEvent &event)
{
    return (event.syscall == "execve" || event.syscall == "execveat") && event.success.value_or(false) &&
           event.pid != 0;
}

bool isExit(const AuditEvent &event)
{
    return event.syscall == "exit_group" && event.pid != 0;
}

bool isLogin(const AuditEvent &event)
{
    return (event.recordType == "USER_LOGIN" || event.recordType == "USER_START") && event.ses != kUnsetId;
}

std::vector<ProcessImage> LifetimeTracker::feed(const AuditEvent &event)
{
    std::vector<ProcessImage> out;
    const bool exec = isExec(event);
    const bool exit = isExit(event);
    const bool abend = event.recordType == "ANOM_ABEND" && event.pid != 0;
    if (!exec && !exit && !abend)
        return out;
    auto it = open_.find(event.pid);
    if (it != open_.end() && !sameProcess(it->second, event) && !abend) {
        // The pid runs another process: the open image ended unrecorded.
        it->second.end = ImageEnd::Vanished;
        out.push_back(std::move(it->second));
        open_.erase(it);
        it = open_.end();
    }
    if (exec) {
        if (it != open_.end()) {
            it->second.end = ImageEnd::Replaced;
            it->second.endStamp = stampOf(event);
            it->second.nextExe = event.exe;
            out.push_back(std::move(it->second));
            open_.erase(it);
        }
        open_.emplace(event.pid, imageOf(event, true));
        order_.emplace_back(event.pid, event.serial);
        evict(out);
        compact(order_, open_, [](const ProcessImage &image) { return image.start.serial; });
        return out;
    }
    ProcessImage image = it != open_.end() ? std::move(it->second) : imageOf(event, false);
    if (it != open_.end())
        open_.erase(it);
    image.endStamp = stampOf(event);
    if (exit) {
        image.end = ImageEnd::Exited;
        image.status = static_cast<std::int32_t>(static_cast<std::uint32_t>(event.args[0]));
    } else {
        image.end = ImageEnd::Abended;
    }
    out.push_back(std::move(image));
    return out;
}

void LifetimeTracker::evict(std::vector<ProcessImage> &out)
{
    while (open_.size() > maxOpen_ && !order_.empty()) {
        const auto [pid, serial] = order_.front();
        order_.pop_front();
        auto it = open_.find(pid);
        if (it == open_.end() || it->second.start.serial != serial)
            continue; // stale: that image already ended
        it->second.end = ImageEnd::Evicted;
        out.push_back(std::move(it->second));
        open_.erase(it);
    }
}

std::vector<ProcessImage> LifetimeTracker::finish()
{
    std::vector<ProcessImage> out;
    out.reserve(open_.size());
    for (auto &[pid, image] : open_)
        out.push_back(std::move(image));
    open_.clear();
    order_.clear();
    std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.start.serial < b.start.serial; });
    return out;
}

void ChainTracker::feed(const AuditEvent &event)
{
    if (isLogin(event)) {
        auto &session = sessions_[event.ses];
        // USER_LOGIN says more (address, terminal) than the USER_START of the same login: keep it.
        if (session.recordType == "USER_LOGIN" && event.recordType != "USER_LOGIN")
            return;
        session.ses = event.ses;
        session.auid = event.auid;
        session.stamp = stampOf(event);
        session.recordType = event.recordType;
        session.account = event.account;
        session.address = event.address;
        session.remoteHost = event.remoteHost;
        session.terminal = event.terminal;
        session.program = event.program;
        session.success = event.success;
        while (sessions_.size() > maxSessions_)
            sessions_.erase(sessions_.begin());
        return;
    }
    if (isExit(event)) {
        if (auto it = processes_.find(event.pid);
            it != processes_.end() && !it->second.images.empty() && sameProcess(it->second.images.back(), event)) {
            auto &image = it->second.images.back();
            image.end = ImageEnd::Exited;
            image.endStamp = stampOf(event);
            image.status = static_cast<std::int32_t>(static_cast<std::uint32_t>(event.args[0]));
        }
        return;
    }
    if (!isExec(event))
        return;
    auto &process = processes_[event.pid];
    if (!process.images.empty() && !sameProcess(process.images.back(), event))
        process.images.clear(); // pid reused
    if (!process.images.empty()) {
        process.images.back().end = ImageEnd::Replaced;
        process.images.back().endStamp = stampOf(event);
        process.images.back().nextExe = event.exe;
    }
    if (process.images.size() >= 8)
        process.images.erase(process.images.begin());
    process.images.push_back(imageOf(event, true));
    process.lastSerial = event.serial;
    order_.emplace_back(event.pid, event.serial);
    while (processes_.size() > maxProcesses_ && !order_.empty()) {
        const auto [pid, serial] = order_.front();
        order_.pop_front();
        if (auto it = processes_.find(pid); it != processes_.end() && it->second.lastSerial == serial)
            processes_.erase(it);
    }
    compact(order_, processes_, [](const Process &p) { return p.lastSerial; });
}

CreatorChain ChainTracker::chainOf(std::uint32_t pid, std::size_t maxDepth) const
{
    CreatorChain chain;
    std::uint32_t current = pid;
    while (chain.links.size() < maxDepth) {
        auto it = processes_.find(current);
        if (it == processes_.end() || it->second.images.empty()) {
            if (!chain.links.empty())
                chain.missingCreator = current;
            break;
        }
        ChainLink link;
        link.image = it->second.images.back();
        for (std::size_t i = 0; i + 1 < it->second.images.size(); ++i)
            link.earlier.push_back(it->second.images[i].exe);
        const auto ses = link.image.ses;
        const auto ppid = link.image.ppid;
        chain.links.push_back(std::move(link));
        if (ppid == 0 || ppid == current)
            break;
        auto parent = processes_.find(ppid);
        if (parent != processes_.end() && !parent->second.images.empty() && parent->second.images.back().ses != ses &&
            ses != kUnsetId) {
            chain.sessionStart = true;
            break;
        }
        current = ppid;
    }
    if (!chain.links.empty()) {
        const auto ses = chain.links.front().image.ses;
        if (auto it = sessions_.find(ses); ses != kUnsetId && it != sessions_.end())
            chain.logon = it->second;
    }
    return chain;
}

} // namespace gpaudit::core::events
