// SPDX-License-Identifier: GPL-2.0-or-later
// Registry.pol bytes -> parse (MS-GPREG 2.2.1), then apply as two GPOs (MS-GPREG 3.2.5) and merge.
// Checks: every instruction lies inside the file, in order; an accepted file's value of the audit key
// read through merge() is the one applyRegistryPolicy() gives.
#include "core/policy/merge.hxx"
#include "core/policy/registry_pol.hxx"
#include "host/data/rules_data.hxx"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const auto rules = gpaudit::host::loadRulesData();
    if (!rules)
        __builtin_trap();
    const std::string_view bytes(reinterpret_cast<const char *>(data), size);
    auto pol = gpaudit::core::parseRegistryPol(bytes, "Registry.pol");
    if (!pol)
        return 0;
    std::size_t previous = 0;
    for (const auto &instruction : pol->instructions) {
        if (instruction.offset < 8 || instruction.offset >= size || instruction.offset < previous ||
            instruction.data.size() > size || instruction.value.size() > std::size_t{259} * 3)
            __builtin_trap();
        previous = instruction.offset + 1;
    }
    std::vector<gpaudit::core::GpoInput> gpos(2);
    gpos[0].registryPol = *pol;
    gpos[1].registryPol = std::move(*pol);
    const auto resultant = gpaudit::core::merge(rules->catalog, gpos, gpaudit::core::LegacyMode::Auto);
    const gpaudit::core::RegistryPol *pols[] = {&*gpos[0].registryPol, &*gpos[1].registryPol};
    const auto direct =
        gpaudit::core::applyRegistryPolicy(pols, gpaudit::core::kAuditPolicyKey, gpaudit::core::kIncludeCmdLineValue);
    if (direct.has_value() != resultant.includeCommandLine.has_value())
        __builtin_trap();
    if (direct && (direct->kind != resultant.includeCommandLine->outcome.kind ||
                   direct->dword() != resultant.includeCommandLine->outcome.dword()))
        __builtin_trap();
    return 0;
}
