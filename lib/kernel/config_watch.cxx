// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/config_watch.hxx"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gpaudit::kernel {

Result<ConfigWatch> ConfigWatch::open()
{
    host::UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT));
    if (!fd)
        return fail(std::string("audit netlink socket: ") + std::strerror(errno));
    // Pass AUDIT_CONFIG_CHANGE messages only. nlmsg_type is in host byte order; a BPF half-word load is
    // big-endian, hence htons.
    sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(AUDIT_CONFIG_CHANGE), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    sock_fprog program{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0)
        return fail(std::string("audit netlink socket filter: ") + std::strerror(errno));
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    address.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1);
    if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        return fail(std::string("cannot join the audit multicast group (CAP_AUDIT_READ): ") + std::strerror(errno));
    return ConfigWatch(std::move(fd));
}

bool ConfigWatch::takeLost()
{
    const bool lost = lost_;
    lost_ = false;
    return lost;
}

std::vector<ConfigChange> ConfigWatch::drain()
{
    std::vector<ConfigChange> changes;
    alignas(nlmsghdr) char buffer[8970 + NLMSG_HDRLEN]; // MAX_AUDIT_MESSAGE_LENGTH (libaudit.h)
    for (int i = 0; i < 1024; ++i) {
        const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOBUFS) {
            lost_ = true; // the kernel dropped records (a burst): the caller checks the rules itself
            continue;
        }
        if (n <= 0)
            break; // EAGAIN: drained
        const auto *header = reinterpret_cast<const nlmsghdr *>(buffer);
        if (static_cast<std::size_t>(n) < NLMSG_HDRLEN || header->nlmsg_type != AUDIT_CONFIG_CHANGE)
            continue;
        const std::size_t length = std::min<std::size_t>(static_cast<std::size_t>(n), header->nlmsg_len);
        std::string text(buffer + NLMSG_HDRLEN, length > NLMSG_HDRLEN ? length - NLMSG_HDRLEN : 0);
        while (!text.empty() && (text.back() == '\0' || text.back() == '\n'))
            text.pop_back();
        changes.push_back(parseConfigChange(text));
    }
    return changes;
}

} // namespace gpaudit::kernel
