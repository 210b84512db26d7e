// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/linux/fast_path.hxx"

#include <algorithm>

namespace gpaudit::core {

std::vector<AuditRule> fastPathRules(const Mapping &mapping, const std::vector<Abi> &abis,
                                     const std::vector<AuditRule> &desired,
                                     const std::map<std::string, ForeignCoverage> &foreign)
{
    std::vector<AuditRule> rules;
    for (const auto &abi : abis) {
        const auto other = foreign.find(abi.arch);
        if (other == foreign.end() || !other->second.bounded)
            continue;
        std::set<std::string> covered = other->second.syscalls;
        for (const auto &rule : desired) {
            if (rule.list != AuditRule::List::Exit || (!rule.arch.empty() && rule.arch != abi.arch))
                continue;
            covered.insert(rule.syscalls.begin(), rule.syscalls.end());
            for (const auto &field : rule.fields)
                if (field.name == "perm")
                    for (char letter : field.value)
                        for (const auto &name : mapping.permSyscalls(letter))
                            covered.insert(name);
        }
        AuditRule rule{AuditRule::List::Exit, AuditRule::Action::Never, abi.arch, {}, {}, {kFastPathKey}};
        for (const auto &name : mapping.fastPath())
            if (!abi.absent.contains(name) && !covered.contains(name))
                rule.syscalls.push_back(name);
        if (rule.syscalls.empty())
            continue;
        std::sort(rule.syscalls.begin(), rule.syscalls.end());
        rules.push_back(std::move(rule));
    }
    return rules;
}

} // namespace gpaudit::core
