// SPDX-License-Identifier: GPL-2.0-or-later
// Fixtures of the Windows event tests (test_windows.cxx, test_security_events.cxx): a directory that
// knows one domain user, alice (uid 1104), and takes every other uid and gid for a local account of the
// host; an event's field names in order, and one field's value by name.
#pragma once

#include "core/events/windows.hxx"

#include <cstdint>
#include <doctest/doctest.h>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpaudit::test {

class AliceDirectory : public core::events::AccountResolver {
  public:
    explicit AliceDirectory(std::string host) : local_(std::move(host)) {}
    [[nodiscard]] core::events::Account account(std::uint32_t uid) const override
    {
        if (uid == 1104)
            return {"S-1-5-21-1004336348-1177238915-682003330-1104", "alice", "GPA"};
        return local_.account(uid);
    }
    [[nodiscard]] core::events::Account group(std::uint32_t gid) const override { return local_.group(gid); }

  private:
    core::events::LocalAccounts local_;
};

inline std::vector<std::string> names(const core::events::WindowsEvent &event)
{
    std::vector<std::string> out;
    for (const auto &f : event.data)
        out.push_back(f.name);
    return out;
}

inline std::string field(const core::events::WindowsEvent &event, std::string_view name)
{
    for (const auto &f : event.data)
        if (f.name == name)
            return f.value;
    FAIL("no field " << name);
    return {};
}

} // namespace gpaudit::test
