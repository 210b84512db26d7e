// SPDX-License-Identifier: GPL-2.0-or-later
// Who changed the kernel's audit rules: the kernel's AUDIT_CONFIG_CHANGE records, read from the audit
// multicast group (AUDIT_NLGRP_READLOG; needs CAP_AUDIT_READ). A socket filter in the kernel drops every
// other record type, so a busy audit log does not wake the reader. The kernel emits these records only
// while auditing is enabled; gpauditd's drift timer covers the rest.
#pragma once

#include "core/base/result.hxx"
#include "core/linux/config_change.hxx"
#include "host/files/unique_fd.hxx"

#include <string>
#include <vector>

namespace gpaudit::kernel {

// The record's text is parsed by the pure core (unit tested there).
using core::ConfigChange;
using core::parseConfigChange;

class ConfigWatch {
  public:
    static Result<ConfigWatch> open();

    [[nodiscard]] int fd() const { return fd_.get(); }
    // Every record waiting (non-blocking).
    std::vector<ConfigChange> drain();
    // Whether the kernel dropped records since the last call (the socket's buffer was full: ENOBUFS),
    // so that a rule may have been removed without its record reaching us.
    bool takeLost();

  private:
    explicit ConfigWatch(host::UniqueFd fd) : fd_(std::move(fd)) {}
    host::UniqueFd fd_;
    bool lost_ = false;
};

} // namespace gpaudit::kernel
