// SPDX-License-Identifier: GPL-2.0-or-later
// Local guardrails: what the site allows Group Policy to do to this host (gpauditd.conf(5)), and the
// invariant that no policy content can turn auditing off. Pure: a translation in, a translation out.
#pragma once

#include "core/base/result.hxx"
#include "core/linux/mapping.hxx"
#include "core/linux/translate.hxx"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

struct Guardrails {
    // Compute and show, change nothing: no kernel write, no rules file (like SSSD's
    // ad_gpo_access_control = permissive).
    bool reportOnly = false;
    // The highest failure mode (-f) a policy may set: CrashOnAuditFail=1 asks for 2 (panic).
    std::optional<std::uint32_t> failureModeMax;
    // The lowest backlog limit (-b) a policy may set.
    std::optional<std::uint32_t> backlogMin;
    // Record types a policy may never switch off (sorted, unique). SYSCALL also keeps the per-user
    // exclusions (never rules on the exit list) out.
    std::vector<std::string> keepRecordTypes;

    [[nodiscard]] bool any() const { return reportOnly || failureModeMax || backlogMin || !keepRecordTypes.empty(); }
    bool operator==(const Guardrails &) const = default;
};

inline constexpr std::uint32_t kMaxFailureMode = 2;    // auditctl -f 0..2
inline constexpr std::uint32_t kMaxBacklog = 1u << 24; // far above any sane -b

// A record type name as gpauditd.conf takes it: USER_LOGIN, SYSCALL (upper case, digits, _).
bool validRecordTypeName(std::string_view name);

// Applies the limits to the translation: a failure mode above failure_mode_max is lowered, a backlog
// below backlog_min raised, a record filter that would switch off a kept type dropped. Every change
// is a note naming the key, so `show`, `rules` and the rules file say it; the notes are also returned
// (sync and apply print them).
std::vector<std::string> applyGuardrails(Translation &translation, const Guardrails &guardrails);

// The invariant behind every guardrail: no policy content can turn auditing off. Never -e or -D (the
// translation has no such setting: status settings are -f, -b, -r only), failure mode at most 2, no
// never rule on the exit list that is not narrowed to one login user other than root, no record
// filter that is not exactly one suppressible record type (mapping never_suppress), nothing on the
// task list. Returns what is wrong; empty when nothing is.
std::vector<std::string> auditingOffViolations(const Translation &translation, const Mapping &mapping);

// The same on a rules file's text (as renderRulesFile writes it): every line is a comment, -f/-b/-r
// or -a always/never on the exit, user or exclude list.
std::vector<std::string> rulesFileViolations(std::string_view rulesFile);

// applyGuardrails, then the invariant: an error (nothing may be applied) when it does not hold.
Result<std::vector<std::string>> enforceGuardrails(Translation &translation, const Guardrails &guardrails,
                                                   const Mapping &mapping);

} // namespace gpaudit::core
