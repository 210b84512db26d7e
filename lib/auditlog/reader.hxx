// SPDX-License-Identifier: GPL-2.0-or-later
// Audit records -> core::events::AuditEvent through libauparse (audit userspace): auparse groups the
// records of one serial into an event and decodes hex-encoded values; we do not parse audit logs
// ourselves. Returns values; never prints.
#pragma once

#include "core/base/result.hxx"
#include "core/events/event.hxx"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace gpaudit::auditlog {

using EventSink = std::function<void(const core::events::AuditEvent &)>;

struct ReadStats {
    std::size_t events = 0;
};

// Every event of an audit log file (auditd's format, as /var/log/audit/audit.log), in file order.
Result<ReadStats> readLog(const std::string &path, const EventSink &sink);

// auditd's plugin stream (records as text lines on stdin): feed bytes as they come; complete events go
// to the sink (auparse_feed); finish() flushes the last ones.
class Feeder {
  public:
    static Result<std::unique_ptr<Feeder>> create(EventSink sink);
    ~Feeder();
    Feeder(const Feeder &) = delete;
    Feeder &operator=(const Feeder &) = delete;
    Result<void> feed(std::string_view bytes);
    void finish();
    [[nodiscard]] std::size_t events() const { return events_; }

  private:
    Feeder() = default;
    struct State;
    std::unique_ptr<State> state_;
    std::size_t events_ = 0;
};

} // namespace gpaudit::auditlog
