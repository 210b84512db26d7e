// SPDX-License-Identifier: GPL-2.0-or-later
// Classification of audit events by subcategory: a table of synthetic events (the records our rules and
// kept record types produce, with the multi-key rules the optimiser really emits) and the exact set of
// subcategories each serves; precision and recall over the table, against the key-only reading.
#include "core/events/classify.hxx"
#include "host/data/rules_data.hxx"

#include <doctest/doctest.h>
#include <set>
#include <string>
#include <vector>

namespace {

using gpaudit::core::events::AuditEvent;
using gpaudit::core::events::Classifier;

const gpaudit::host::RulesData &data()
{
    static const auto loaded = [] {
        auto result = gpaudit::host::loadRulesData();
        REQUIRE(result);
        return std::move(*result);
    }();
    return loaded;
}

std::vector<std::string> keys(std::initializer_list<const char *> slugs)
{
    std::vector<std::string> out;
    for (const auto *slug : slugs)
        out.push_back(std::string("gpaudit-") + slug);
    return out;
}

// The merged rules of tests/data/domain-ou-precedence/expected-rules.out.
const auto kMergedExec =
    keys({"security-system-extension", "security-state-change", "process-creation", "pnp-activity"});
const auto kMergedExit = keys({"process-termination", "dpapi-activity", "pnp-activity", "token-right-adjusted-events"});

AuditEvent syscall(std::string name, std::vector<std::string> keyList, bool success = true)
{
    AuditEvent event;
    event.recordType = "SYSCALL";
    event.syscall = std::move(name);
    event.arch = "b64";
    event.success = success;
    event.exit = success ? 0 : -13;
    event.keys = std::move(keyList);
    event.pid = 4242;
    event.ppid = 4241;
    event.uid = event.euid = event.auid = 1000;
    event.ses = 7;
    return event;
}

AuditEvent withPath(AuditEvent event, std::string path, std::uint64_t openFlags = 0)
{
    event.paths.push_back(std::move(path));
    event.args[2] = openFlags; // openat: a2 = flags
    return event;
}

AuditEvent record(std::string type)
{
    AuditEvent event;
    event.recordType = std::move(type);
    return event;
}

struct Row {
    const char *what;
    AuditEvent event;
    std::set<std::string> expected;
};

std::vector<Row> table()
{
    std::vector<Row> rows;
    rows.push_back(
        {"execve under the merged exec/module/time rule", syscall("execve", kMergedExec), {"process-creation"}});
    rows.push_back({"execveat under the merged rule", syscall("execveat", kMergedExec), {"process-creation"}});
    rows.push_back({"failed execve (the merged rule is success-only, but the key decides nothing)",
                    syscall("execve", kMergedExec, false),
                    {"process-creation"}});
    rows.push_back({"init_module under the merged rule",
                    syscall("init_module", kMergedExec),
                    {"security-system-extension", "pnp-activity"}});
    rows.push_back({"delete_module under the merged rule",
                    syscall("delete_module", kMergedExec),
                    {"security-system-extension", "pnp-activity"}});
    rows.push_back({"adjtimex under the merged rule", syscall("adjtimex", kMergedExec), {"security-state-change"}});
    rows.push_back(
        {"clock_settime under the merged rule", syscall("clock_settime", kMergedExec), {"security-state-change"}});
    rows.push_back({"exit_group under the merged exit/keys/module/capset rule",
                    syscall("exit_group", kMergedExit),
                    {"process-termination"}});
    rows.push_back({"finit_module under the merged exit rule", syscall("finit_module", kMergedExit), {"pnp-activity"}});
    rows.push_back(
        {"capset under the merged exit rule", syscall("capset", kMergedExit), {"token-right-adjusted-events"}});
    rows.push_back({"keyctl under the merged exit rule", syscall("keyctl", kMergedExit), {"dpapi-activity"}});
    rows.push_back({"add_key under the merged exit rule", syscall("add_key", kMergedExit), {"dpapi-activity"}});
    {
        auto event = syscall("execve", keys({"process-creation", "special-logon", "sensitive-privilege-use"}));
        event.euid = 0; // set-uid root: uid 1000, euid 0
        rows.push_back({"set-uid-root exec (narrow rule with propagated process-creation key)",
                        event,
                        {"process-creation", "special-logon", "sensitive-privilege-use"}});
    }
    rows.push_back({"ordinary exec carrying the set-uid rule's keys: the fields decide",
                    syscall("execve", keys({"process-creation", "special-logon", "sensitive-privilege-use"})),
                    {"process-creation"}});
    {
        auto event = syscall("setuid", keys({"special-logon"}));
        event.args[0] = 0;
        rows.push_back({"setuid(0)", event, {"special-logon"}});
        event.args[0] = 1000;
        rows.push_back({"setuid(1000) does not gain root", event, {}});
    }
    rows.push_back(
        {"exec of auditctl: the watch's record carries the propagated process-creation key",
         withPath(syscall("execve", keys({"process-creation", "audit-policy-change"})), "/usr/sbin/auditctl"),
         {"process-creation", "audit-policy-change"}});
    rows.push_back({"write to /etc/localtime (watch)",
                    withPath(syscall("openat", keys({"security-state-change"})), "/etc/localtime", 01),
                    {"security-state-change"}});
    rows.push_back({"write in /etc/pam.d: two subcategories watch it",
                    withPath(syscall("openat", keys({"security-system-extension", "authentication-policy-change"})),
                             "/etc/pam.d/sshd", 01 | 0100),
                    {"security-system-extension", "authentication-policy-change"}});
    rows.push_back({"read in /etc/pam.d: the watches are perm=wa",
                    withPath(syscall("openat", keys({"security-system-extension", "authentication-policy-change"})),
                             "/etc/pam.d/sshd", 0),
                    {}});
    rows.push_back({"rename in /etc/systemd/system",
                    withPath(syscall("renameat2", keys({"security-system-extension", "other-object-access-events"})),
                             "/etc/systemd/system/evil.service"),
                    {"security-system-extension", "other-object-access-events"}});
    rows.push_back({"read of /etc/shadow: SAM, not user management",
                    withPath(syscall("openat", keys({"sam", "user-account-management"})), "/etc/shadow", 0),
                    {"sam"}});
    rows.push_back({"write of /etc/shadow: user management, not SAM",
                    withPath(syscall("openat", keys({"sam", "user-account-management"})), "/etc/shadow", 01),
                    {"user-account-management"}});
    {
        auto denied = withPath(syscall("openat", keys({"file-system"}), false), "/root/secret", 0);
        rows.push_back({"denied open (EACCES)", denied, {"file-system"}});
        denied.exit = -2;
        denied.paths.clear();
        rows.push_back({"ENOENT is not a file-system failure of ours", denied, {}});
    }
    rows.push_back({"write under a FileGlobalSacl watch",
                    withPath(syscall("openat", keys({"file-system"})), "/srv/data/report.txt", 01),
                    {"file-system"}});
    rows.push_back({"exec of auditctl (x watch)",
                    withPath(syscall("execve", keys({"audit-policy-change"})), "/usr/sbin/auditctl"),
                    {"audit-policy-change"}});
    rows.push_back({"mount", syscall("mount", keys({"removable-storage"})), {"removable-storage"}});
    rows.push_back(
        {"connect", syscall("connect", keys({"filtering-platform-connection"})), {"filtering-platform-connection"}});
    rows.push_back({"ptrace", syscall("ptrace", keys({"sensitive-privilege-use"})), {"sensitive-privilege-use"}});
    rows.push_back({"shmget", syscall("shmget", keys({"kernel-object"})), {"kernel-object"}});
    rows.push_back({"someone else's rule", syscall("execve", {"stig-exec"}), {}});
    rows.push_back({"no key", syscall("execve", {}), {}});
    rows.push_back({"a key of an unknown subcategory", syscall("execve", {"gpaudit-no-such-thing"}), {}});
    rows.push_back({"USER_LOGIN", record("USER_LOGIN"), {"logon"}});
    rows.push_back({"USER_END", record("USER_END"), {"logoff"}});
    rows.push_back({"USER_AUTH", record("USER_AUTH"), {"credential-validation"}});
    rows.push_back({"ADD_USER", record("ADD_USER"), {"user-account-management"}});
    rows.push_back({"ADD_GROUP", record("ADD_GROUP"), {"security-group-management"}});
    rows.push_back({"USER_CMD (sudo)", record("USER_CMD"), {"sensitive-privilege-use"}});
    rows.push_back({"CONFIG_CHANGE", record("CONFIG_CHANGE"), {"audit-policy-change"}});
    rows.push_back({"NETFILTER_CFG",
                    record("NETFILTER_CFG"),
                    {"mpssvc-rule-level-policy-change", "filtering-platform-policy-change"}});
    rows.push_back({"ANOM_ABEND", record("ANOM_ABEND"), {"system-integrity", "process-termination"}});
    rows.push_back({"USER_DEVICE", record("USER_DEVICE"), {"pnp-activity"}});
    rows.push_back({"a record type nobody maps", record("DAEMON_START"), {}});
    {
        // auditctl's netlink write: CONFIG_CHANGE with the SYSCALL record of the sender (no key).
        auto event = syscall("sendto", {});
        event.otherRecordTypes = {"CONFIG_CHANGE"};
        rows.push_back({"CONFIG_CHANGE with its sender's SYSCALL record", event, {"audit-policy-change"}});
        event.keys = kMergedExec;
        rows.push_back({"a keyed SYSCALL record does not lose its CONFIG_CHANGE", event, {"audit-policy-change"}});
    }
    return rows;
}

std::set<std::string> keyOnly(const AuditEvent &event)
{
    std::set<std::string> out;
    for (const auto &key : event.keys)
        if (key.starts_with("gpaudit-") && data().catalog.bySlug(key.substr(8)) != nullptr)
            out.insert(key.substr(8));
    return out;
}

struct Score {
    std::size_t tp = 0, fp = 0, fn = 0;
    void add(const std::set<std::string> &got, const std::set<std::string> &want)
    {
        for (const auto &s : got)
            (want.contains(s) ? tp : fp)++;
        for (const auto &s : want)
            if (!got.contains(s))
                fn++;
    }
    [[nodiscard]] double precision() const { return tp + fp == 0 ? 1.0 : double(tp) / double(tp + fp); }
    [[nodiscard]] double recall() const { return tp + fn == 0 ? 1.0 : double(tp) / double(tp + fn); }
};

} // namespace

TEST_CASE("every event of the table lands in exactly the subcategories of its activity")
{
    const Classifier classifier(data().catalog, data().mapping);
    Score ours, keysAlone;
    const auto rows = table();
    for (const auto &row : rows) {
        CAPTURE(row.what);
        const auto got = classifier.slugs(row.event);
        const std::set<std::string> gotSet(got.begin(), got.end());
        CHECK(gotSet == row.expected);
        ours.add(gotSet, row.expected);
        keysAlone.add(row.event.syscall.empty() ? gotSet : keyOnly(row.event), row.expected);
    }
    MESSAGE("classification over ", rows.size(), " events: precision ", ours.precision(), " recall ", ours.recall(),
            " (keys alone: precision ", keysAlone.precision(), " recall ", keysAlone.recall(), ")");
    CHECK(ours.precision() == 1.0);
    CHECK(ours.recall() == 1.0);
    // The table is meant to show what keys alone get wrong; if this fails the table lost its point.
    CHECK(keysAlone.precision() < 0.7);
}

TEST_CASE("the result is in catalog order and without duplicates")
{
    const Classifier classifier(data().catalog, data().mapping);
    auto event = syscall("init_module", kMergedExec);
    event.keys.insert(event.keys.end(), kMergedExec.begin(), kMergedExec.end());
    const auto got = classifier.classify(event);
    REQUIRE(got.size() == 2);
    CHECK(got[0] < got[1]);
}

TEST_CASE("${UID_MIN} follows the translation's option")
{
    // FullPrivilegeAuditing's rule: auid>=${UID_MIN}, auid!=unset, uid=0, auid!=obj_uid.
    auto event = withPath(syscall("unlinkat", keys({"sensitive-privilege-use"})), "/home/alice/file");
    event.uid = event.euid = 0;
    event.auid = 1500;
    event.objUid = 2000;
    CHECK(Classifier(data().catalog, data().mapping, {1000}).slugs(event) ==
          std::vector<std::string>{"sensitive-privilege-use"});
    CHECK(Classifier(data().catalog, data().mapping, {2000}).slugs(event).empty());
    event.objUid = 1500; // their own file
    CHECK(Classifier(data().catalog, data().mapping, {1000}).slugs(event).empty());
}

TEST_CASE("splitKeys and normalPath")
{
    using gpaudit::core::events::normalPath;
    using gpaudit::core::events::splitKeys;
    CHECK(splitKeys("(null)").empty());
    CHECK(splitKeys("").empty());
    CHECK(splitKeys("a") == std::vector<std::string>{"a"});
    CHECK(splitKeys(std::string("a\x01") + "b\x01") == std::vector<std::string>{"a", "b"});
    CHECK(normalPath("/etc//pam.d/./x/../sshd") == "/etc/pam.d/sshd");
    CHECK(normalPath("shadow", "/etc") == "/etc/shadow");
    CHECK(normalPath("../../..", "/etc") == "/");
    CHECK(normalPath("rel", "") == "rel");
}
