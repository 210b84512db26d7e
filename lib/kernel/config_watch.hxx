// SPDX-License-Identifier: GPL-2.0-or-later
// Who changed the kernel's audit rules: the kernel's AUDIT_CONFIG_CHANGE records, read from the audit
// multicast group (AUDIT_NLGRP_READLOG; needs CAP_AUDIT_READ). A socket filter in the kernel drops every
// other record type, so a busy audit log does not wake the reader. The kernel emits these records only
// while auditing is enabled; gpauditd's drift timer covers the rest.
#pragma once

#include "core/base/result.hxx"

#include <string>
#include <vector>

namespace gpaudit::kernel {

struct ConfigChange {
    std::string op;   // add_rule, remove_rule, set...
    std::string auid; // login uid of the process that did it ("4294967295": none)
    std::string ses;
    std::string key; // as the record gives it (hex when the key has several parts)
    std::string text;
};

// Parses the text of one record ("audit(1.2:3): auid=0 ses=1 op=remove_rule key=... list=4 res=1").
ConfigChange parseConfigChange(const std::string &text);

class ConfigWatch {
  public:
    static Result<ConfigWatch> open();
    ConfigWatch(ConfigWatch &&other) noexcept;
    ConfigWatch &operator=(ConfigWatch &&other) noexcept;
    ConfigWatch(const ConfigWatch &) = delete;
    ConfigWatch &operator=(const ConfigWatch &) = delete;
    ~ConfigWatch();

    [[nodiscard]] int fd() const { return fd_; }
    // Every record waiting (non-blocking).
    std::vector<ConfigChange> drain();
    // Whether the kernel dropped records since the last call (the socket's buffer was full: ENOBUFS),
    // so that a rule may have been removed without its record reaching us.
    bool takeLost();

  private:
    explicit ConfigWatch(int fd) : fd_(fd) {}
    int fd_ = -1;
    bool lost_ = false;
};

} // namespace gpaudit::kernel
