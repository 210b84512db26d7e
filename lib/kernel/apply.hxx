// SPDX-License-Identifier: GPL-2.0-or-later
// Making a translation the kernel's audit state: a diff against the kernel's rules, rules.d
// persistence, and revert. Rules that are not ours are never touched.
#pragma once

#include "core/linux/apply_plan.hxx"
#include "core/linux/translate.hxx"
#include "core/report/report.hxx"
#include "kernel/audit_netlink.hxx"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace gpaudit::kernel {

inline constexpr const char *kDefaultRulesFile = "/etc/audit/rules.d/30-gpaudit.rules";

// What apply and revert need of the kernel: AuditNetlink in production (the overloads below wrap it),
// a double in tests (tests/unit/test_kernel_apply.cxx: an immutable kernel without locking the real one).
class KernelAudit {
  public:
    virtual ~KernelAudit() = default;
    virtual Result<KernelStatus> status() = 0;
    virtual Result<std::vector<KernelRule>> listRules() = 0;
    virtual Result<void> addRule(const KernelRule &rule, bool prepend) = 0;
    virtual Result<void> deleteRule(const KernelRule &rule) = 0;
    virtual Result<void> setStatus(char flag, std::uint32_t value) = 0;
    [[nodiscard]] virtual std::size_t writes() const = 0; // requests that changed kernel state
};

// An apply's options: core::planPolicyApply's (dry run, report-only, the mapping and arch of the
// fast-path rule, the rules file and its header).
using ApplyOptions = core::PolicyApplyOptions;

// The network connection to the kernel's audit as KernelAudit: owned (NetlinkKernel: gpauditd,
// gpauditctl) or borrowed (NetlinkRef: the overloads that are handed a connection).
template <typename Connection> class NetlinkAs final : public KernelAudit {
  public:
    explicit NetlinkAs(Connection netlink) : netlink_(std::forward<Connection>(netlink)) {}
    Result<KernelStatus> status() override { return netlink_.status(); }
    Result<std::vector<KernelRule>> listRules() override { return netlink_.listRules(); }
    Result<void> addRule(const KernelRule &rule, bool prepend) override { return netlink_.addRule(rule, prepend); }
    Result<void> deleteRule(const KernelRule &rule) override { return netlink_.deleteRule(rule); }
    Result<void> setStatus(char flag, std::uint32_t value) override { return netlink_.setStatus(flag, value); }
    [[nodiscard]] std::size_t writes() const override { return netlink_.writes(); }

  private:
    Connection netlink_;
};
using NetlinkKernel = NetlinkAs<AuditNetlink>;
using NetlinkRef = NetlinkAs<AuditNetlink &>;

// What an apply did: core's summary (core/report renders it) and the identities of every rule the policy
// wants in the kernel (drift checks). Apply: the kernel has the policy. Stage (immutable kernel): only the
// rules file was written, the lists say what the next boot changes against the kernel's rules now.
// ReportOnly: nothing.
struct ApplyReport : core::ApplySummary {
    std::vector<std::string> identities;
};

// libaudit's encoding of rules (buildRule) as core's RuleEncoder, keeping the first kernel form it built
// for each identity: a rule the plan sends is encoded once, for the plan (the desired rules before the
// previous rules file's), and execute sends that form.
class RuleEncoding {
  public:
    Result<core::EncodedRule> operator()(const core::AuditRule &rule);
    [[nodiscard]] core::RuleEncoder encoder()
    {
        return [this](const core::AuditRule &rule) { return (*this)(rule); };
    }
    [[nodiscard]] const KernelRule *find(const std::string &identity) const;

  private:
    std::map<std::string, KernelRule, std::less<>> built_;
};

// What an apply plans against, read before anything is planned: core's snapshot (status, the kernel's
// rules, what the rules not ours match, the previous rules file's text) and the kernel forms of the
// rules held (a stale one is deleted by its kernel form). `mapping`: for the fast-path rule's coverage
// (none: no coverage read, no fast-path rule); `rulesFile` empty: none read. `encoding`: the planning's
// (planPolicyApply(..., held.encoding.encoder())).
struct Held {
    core::KernelSnapshot snapshot;
    std::vector<KernelRule> rules; // index for index with snapshot.rules
    RuleEncoding encoding;
    std::chrono::microseconds elapsed{0};
};
Result<Held> readHeld(KernelAudit &kernel, const core::Mapping *mapping, const std::string &rulesFile);

// Carries out core::planPolicyApply's plan, made with held.encoding. Adds before removals; on a failure
// while adding, the rules added so far are deleted again, so the previous policy stays in force, and the
// error names the rule. On an immutable kernel (-e 2) the policy is staged: the rules file is written
// (atomically) and nothing is sent to the kernel (core::decideApply).
Result<ApplyReport> execute(KernelAudit &kernel, const Held &held, const core::PolicyPlan &plan);

// The three in one: readHeld, core::planPolicyApply, execute.
Result<ApplyReport> applyTranslation(KernelAudit &kernel, const core::Translation &translation,
                                     const ApplyOptions &options);
Result<ApplyReport> applyTranslation(AuditNetlink &netlink, const core::Translation &translation,
                                     const ApplyOptions &options);

// The rules an apply makes the kernel's: the fast-path rule computed against the kernel's current rules,
// then the translation's.
std::vector<core::AuditRule> plannedRules(const core::Translation &translation, const ApplyOptions &options,
                                          const std::vector<KernelRule> &current);

struct RevertReport {
    std::vector<std::string> removed;
    std::size_t netlinkWrites = 0;
    bool rulesFileRemoved = false;
    bool staged = false; // immutable kernel: only the rules file was removed; the rules go at the next boot
};

// Removes every rule keyed gpaudit-*, the record filters the rules file lists, and the rules file.
// On an immutable kernel only the rules file (staged: the rules are gone from the next boot on).
Result<RevertReport> revert(KernelAudit &kernel, const std::string &rulesFile, bool dryRun);
Result<RevertReport> revert(AuditNetlink &netlink, const std::string &rulesFile, bool dryRun);

} // namespace gpaudit::kernel
