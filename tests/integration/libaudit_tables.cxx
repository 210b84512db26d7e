// SPDX-License-Identifier: GPL-2.0-or-later
// rules/ data against libaudit's own tables: every syscall name the mapping uses is known to libaudit
// for each ABI exactly when rules/syscalls.yaml does not list it as absent, and every record type
// the mapping names is a libaudit message type. (auditctl and the kernel adapter resolve names with
// these tables, so a mismatch would be a rule the kernel refuses.)
#include "host/data/rules_data.hxx"

#include <doctest/doctest.h>
#include <libaudit.h>

TEST_CASE("syscall names and per-ABI absences agree with libaudit")
{
    auto data = gpaudit::host::loadRulesData();
    REQUIRE(data);
    std::size_t checked = 0;
    for (const auto &platform : data->mapping.platformNames()) {
        for (const auto &abi : *data->mapping.platform(platform)) {
            const int machine = audit_name_to_machine(abi.machine.c_str());
            REQUIRE_MESSAGE(machine >= 0, abi.machine);
            for (const auto &name : data->mapping.knownSyscalls()) {
                const bool known = audit_name_to_syscall(name.c_str(), machine) >= 0;
                CHECK_MESSAGE(known != abi.absent.contains(name), abi.machine << " " << name);
                ++checked;
            }
        }
    }
    MESSAGE(checked << " (ABI, syscall) pairs checked");
}

TEST_CASE("record types named by the mapping are libaudit message types")
{
    auto data = gpaudit::host::loadRulesData();
    REQUIRE(data);
    for (std::size_t i = 0; i < data->catalog.subcategories().size(); ++i) {
        const auto &map = data->mapping.of(i);
        for (const auto *list : {&map.userRecords, &map.kernelRecords})
            for (const auto &type : *list)
                CHECK_MESSAGE(audit_name_to_msg_type(type.c_str()) > 0, type);
    }
}
