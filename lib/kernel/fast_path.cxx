// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/fast_path.hxx"

#include <libaudit.h>
#include <map>
#include <set>

namespace gpaudit::kernel {

namespace {

constexpr std::uint32_t kPermExec = 1, kPermWrite = 2, kPermRead = 4, kPermAttr = 8; // AUDIT_PERM_*

void addPermClasses(const core::Mapping &mapping, std::uint32_t perm, std::set<std::string> &out)
{
    for (auto [bit, letter] :
         {std::pair{kPermRead, 'r'}, std::pair{kPermWrite, 'w'}, std::pair{kPermExec, 'x'}, std::pair{kPermAttr, 'a'}})
        if ((perm & bit) != 0)
            for (const auto &name : mapping.permSyscalls(letter))
                out.insert(name);
}

// The syscalls of this ABI a rule already in the kernel can match; false when it is unbounded.
bool coveredBy(const core::Mapping &mapping, const KernelRule &rule, std::uint32_t elf, int machine,
               std::set<std::string> &out)
{
    if (rule.list != AUDIT_FILTER_EXIT)
        return true;
    const auto &data = *rule.data;
    std::uint32_t perm = 0;
    bool hasPerm = false;
    for (std::uint32_t i = 0; i < data.field_count && i < AUDIT_MAX_FIELDS; ++i) {
        if (data.fields[i] == AUDIT_ARCH && data.values[i] != elf)
            return true; // another ABI's rule
        if (data.fields[i] == AUDIT_PERM) {
            perm = data.values[i];
            hasPerm = true;
        }
    }
    if (hasPerm) {
        // -F perm matches only the syscalls of its classes (kernel audit_match_perm).
        addPermClasses(mapping, perm, out);
        return true;
    }
    for (int number = 0; number < AUDIT_BITMASK_SIZE * 32 - AUDIT_SYSCALL_CLASSES; ++number) {
        if ((data.mask[number / 32] & (1U << (number % 32))) == 0)
            continue;
        const char *name = audit_syscall_to_name(number, machine);
        if (name == nullptr)
            return false; // a syscall we cannot name: do not guess
        out.insert(name);
    }
    return true;
}

} // namespace

std::map<std::string, core::ForeignCoverage> foreignCoverage(const core::Mapping &mapping,
                                                             const std::vector<core::Abi> &abis,
                                                             const std::vector<KernelRule> &current)
{
    std::map<std::string, core::ForeignCoverage> foreign;
    for (const auto &abi : abis) {
        const int machine = audit_name_to_machine(abi.machine.c_str());
        if (machine < 0 || foreign.contains(abi.machine))
            continue;
        const auto elf = static_cast<std::uint32_t>(audit_machine_to_elf(machine));
        core::ForeignCoverage coverage;
        for (const auto &rule : current) {
            if (rule.keyedOurs())
                continue; // ours are replaced by the desired rules
            coverage.bounded = coverage.bounded && coveredBy(mapping, rule, elf, machine, coverage.syscalls);
        }
        foreign[abi.machine] = std::move(coverage);
    }
    return foreign;
}

std::vector<core::AuditRule> fastPathRules(const core::Mapping &mapping, const std::vector<core::Abi> &abis,
                                           const std::vector<core::AuditRule> &desired,
                                           const std::vector<KernelRule> &current)
{
    // What the kernel's other rules match, per ABI libaudit knows; the decision is core's.
    const auto byMachine = foreignCoverage(mapping, abis, current);
    std::map<std::string, core::ForeignCoverage> foreign;
    for (const auto &abi : abis)
        if (auto found = byMachine.find(abi.machine); found != byMachine.end())
            foreign[abi.arch] = found->second;
    return core::fastPathRules(mapping, abis, desired, foreign);
}

} // namespace gpaudit::kernel
