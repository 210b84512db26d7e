// SPDX-License-Identifier: GPL-2.0-or-later
// Bounds on the work one policy may cause (gpauditd.conf(5): max_file_size, max_per_user_sids,
// max_sacl_aces, max_rules). A GPO is input from whoever may edit it: every quantity that makes work
// or kernel rules grow has a limit, and exceeding one is a clear error naming the file, the GPO and the
// limit. A file over a per-file limit is rejected as a whole, like a malformed file (MS-GPAC 3.2.5: the
// other GPOs apply); a policy over max_rules is refused as a whole and the policy in force stays. Pure.
#pragma once

#include <cstddef>

namespace gpaudit::core {

struct PolicyLimits {
    // audit.csv and GptTmpl.inf, each. Real files are a few KB (59 subcategories, a few SACL rows);
    // 4 MiB is a thousand times that and what the readers always allowed.
    std::size_t maxFileSize = 4u << 20;
    // Distinct per-user SIDs in one audit.csv. Each SID with any per-user row gets Include Failure on
    // every other subcategory (MS-GPAC 2.2.1.3.2 <6>): 75 to 80 rules on x86_64 (tests/bench/limits.cxx).
    // 32 SIDs then fit under max_rules beside a complete system policy (112 rules), 48 do not leave
    // room for a second GPO's; per-user policy is meant for a few accounts (auditpol /user), not for
    // populations (system policy and SACL trustees serve those).
    std::size_t maxPerUserSids = 32;
    // Distinct ACEs of one global SACL (FileGlobalSacl, RegistryGlobalSacl) in one audit.csv. An ACL
    // cannot exceed 64 KiB (MS-DTYP 2.4.5 AclSize is 16 bits) and the smallest audit ACE is 20 bytes:
    // Windows itself cannot hold more than 3,276; real global SACLs hold a handful.
    std::size_t maxSaclAces = 1024;
    // Audit rules of the whole policy (after merging equal filters). Every exit rule the kernel holds
    // is walked on every syscall of every audited process: 112 rules are the complete policy, 1,721
    // cost 13 µs per getpid on the reference host (README); 4,096 leaves room for 32 per-user SIDs
    // in each of a few GPOs.
    std::size_t maxRules = 4096;

    bool operator==(const PolicyLimits &) const = default;
};

// Ceilings of the configurable values (gpauditd.conf(5)), so that no configuration makes work unbounded:
// at the ceilings the worst file of tests/bench/limits.cxx still takes well under a second. 16,384
// rules would cost every audited syscall about 130 µs on the reference host: no useful policy.
inline constexpr std::size_t kMaxFileSizeCeiling = 64u << 20;
inline constexpr std::size_t kMaxPerUserSidsCeiling = 1024;
inline constexpr std::size_t kMaxSaclAcesCeiling = 65536;
inline constexpr std::size_t kMaxRulesCeiling = 16384;

// The kernel's limit of fields per rule (AUDIT_MAX_FIELDS); -F arch and the key count as fields.
inline constexpr std::size_t kMaxRuleFields = 64;

} // namespace gpaudit::core
