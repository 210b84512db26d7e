// SPDX-License-Identifier: GPL-2.0-or-later
// Translation of a resultant policy into Linux audit rules, and the optimiser.
#include "helpers.hxx"

#include <algorithm>
#include <set>

using namespace gpaudit::core;
using test::kHeader;
using test::row;

namespace {

Resultant resultantOf(const std::string &auditCsv, const std::string &inf = {})
{
    static std::vector<GpoInput> keep;
    keep = {test::gpo("Test GPO", auditCsv, inf)};
    return merge(test::data().catalog, keep, LegacyMode::Auto);
}

std::vector<std::string> lines(const Translation &t)
{
    std::vector<std::string> out;
    for (const auto &rule : t.rules)
        out.push_back(rule.render());
    return out;
}

bool hasNote(const Translation &t, std::string_view text)
{
    return std::any_of(t.notes.begin(), t.notes.end(),
                       [&](const auto &n) { return n.message.find(text) != std::string::npos; });
}

struct FakeResolver final : SidResolver {
    std::optional<SidResolution> resolve(const Sid &sid) const override
    {
        if (sid.str() == "S-1-5-21-1-2-3-1001")
            return SidResolution{SidResolution::Kind::User, 1001};
        if (sid.str() == "S-1-5-21-1-2-3-1002")
            return SidResolution{SidResolution::Kind::User, 1002};
        if (sid.str() == "S-1-5-21-1-2-3-500")
            return SidResolution{SidResolution::Kind::User, 0};
        if (sid.str() == "S-1-5-21-1-2-3-2000")
            return SidResolution{SidResolution::Kind::Group, 2000};
        return std::nullopt;
    }
};

struct FakeProbe final : HostProbe {
    std::set<std::string> missing;
    bool directoryExists(const std::string &path) const override { return !missing.contains(path); }
};

std::string allSuccessAndFailure()
{
    std::string text = kHeader;
    for (const auto &sub : test::data().catalog.subcategories())
        text += row(sub.slug, 3);
    return text +
           "H,,Option:FullPrivilegeAuditing,,Enabled,,1\r\nH,,Option:AuditBaseObjects,,Enabled,,1\r\n"
           "H,,Option:AuditBaseDirectories,,Enabled,,1\r\nH,,FileGlobalSacl,,,,S:(AU;FA;FA;;;WD)(AU;SA;FW;;;AU)\r\n";
}

} // namespace

TEST_CASE("Process Creation: success, failure, both")
{
    auto success = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 1)));
    CHECK(lines(success) ==
          std::vector<std::string>{
              "-a always,exit -F arch=b32 -S execve,execveat -F success=1 -k gpaudit-process-creation",
              "-a always,exit -F arch=b64 -S execve,execveat -F success=1 -k gpaudit-process-creation"});
    auto failure = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 2)));
    CHECK(lines(failure)[1] ==
          "-a always,exit -F arch=b64 -S execve,execveat -F success=0 -k gpaudit-process-creation");
    auto both = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 3)));
    CHECK(lines(both)[1] == "-a always,exit -F arch=b64 -S execve,execveat -k gpaudit-process-creation");
    auto none = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 4)));
    CHECK(none.rules.empty());
}

TEST_CASE("Process Termination: exit_group never gets a success field; Failure alone records nothing")
{
    auto success = test::translate(resultantOf(std::string(kHeader) + row("process-termination", 1)));
    REQUIRE(success.rules.size() == 2);
    CHECK(success.rules[1].render() == "-a always,exit -F arch=b64 -S exit_group -k gpaudit-process-termination");
    CHECK(test::translate(resultantOf(std::string(kHeader) + row("process-termination", 2))).rules.empty());
}

TEST_CASE("File System failure: denied accesses, one rule per exit code")
{
    auto t = test::translate(resultantOf(std::string(kHeader) + row("file-system", 2)));
    REQUIRE(t.rules.size() == 4);
    const auto text = test::rulesText(t);
    CHECK(text.find("-F exit=-EACCES -k gpaudit-file-system") != std::string::npos);
    CHECK(text.find("-F exit=-EPERM -k gpaudit-file-system") != std::string::npos);
    CHECK(test::translate(resultantOf(std::string(kHeader) + row("file-system", 1))).rules.empty());
}

TEST_CASE("optimiser: identical filters merge into one syscall mask with every subcategory's key")
{
    auto t = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 1) + row("dpapi-activity", 1) +
                                         row("removable-storage", 1)));
    REQUIRE(t.rules.size() == 2);
    CHECK(t.rules[1].render() == "-a always,exit -F arch=b64 -S add_key,execve,execveat,keyctl,mount,mount_setattr,"
                                 "move_mount,request_key,umount2 -F success=1 -k gpaudit-removable-storage "
                                 "-k gpaudit-process-creation -k gpaudit-dpapi-activity");
    CHECK(t.rules[1].keyText() == "gpaudit-removable-storage\x01gpaudit-process-creation\x01gpaudit-dpapi-activity");
}

TEST_CASE("optimiser: a narrower rule first also carries the keys of the broader rule it implies")
{
    auto t = test::translate(resultantOf(std::string(kHeader) + row("special-logon", 3) + row("process-creation", 3)));
    const auto text = lines(t);
    // set-uid-root exec (special logon) comes first and also belongs to process creation...
    CHECK(text[0] == "-a always,exit -F arch=b32 -S execve,execveat -F euid=0 -C uid!=euid -k gpaudit-special-logon "
                     "-k gpaudit-process-creation");
    // ...but not the setuid() rule, which shares no syscall with process creation.
    CHECK(std::find(text.begin(), text.end(),
                    "-a always,exit -F arch=b64 -S setgid,setregid,setresgid,setresuid,setreuid,setuid -F a0=0 "
                    "-k gpaudit-special-logon") != text.end());
}

TEST_CASE("watches: file watches once for all ABIs, directories per ABI narrowed to the perm classes")
{
    auto t = test::translate(
        resultantOf(std::string(kHeader) + row("user-account-management", 1) + row("authorization-policy-change", 1)));
    const auto text = test::rulesText(t);
    CHECK(
        text.find("-a always,exit -F path=/etc/passwd -F perm=wa -F success=1 -k gpaudit-user-account-management\n") !=
        std::string::npos);
    for (const auto &rule : t.rules) {
        const bool isDir =
            std::any_of(rule.fields.begin(), rule.fields.end(), [](const auto &f) { return f.name == "dir"; });
        if (isDir) {
            CHECK_FALSE(rule.arch.empty());
            CHECK(std::find(rule.syscalls.begin(), rule.syscalls.end(), "unlinkat") != rule.syscalls.end());
            CHECK(std::find(rule.syscalls.begin(), rule.syscalls.end(), "getpid") == rule.syscalls.end());
        }
        if (rule.isWatch())
            CHECK(rule.arch.empty());
    }
}

TEST_CASE("watches whose directory is missing on the host are left out and noted")
{
    FakeProbe probe;
    probe.missing = {"/etc/sudoers.d", "/etc/polkit-1"};
    TranslateOptions options;
    options.probe = &probe;
    auto t = test::translate(resultantOf(std::string(kHeader) + row("authorization-policy-change", 3)), options);
    const auto text = test::rulesText(t);
    CHECK(text.find("/etc/sudoers.d") == std::string::npos);
    CHECK(text.find("-F path=/etc/sudoers ") != std::string::npos);
    CHECK(hasNote(t, "/etc/sudoers.d skipped"));
}

TEST_CASE("record types: suppressed only when every subcategory listing them is No Auditing")
{
    auto off = test::translate(resultantOf(std::string(kHeader) + row("logon", 4)));
    const auto text = test::rulesText(off);
    CHECK(text.find("-a never,user -F msgtype=USER_LOGIN\n") != std::string::npos);
    CHECK(text.find("-a always,exclude -F msgtype=LOGIN\n") != std::string::npos);
    CHECK(renderRulesFile(off, {}).find("# record filter of gpaudit-logon\n-a never,user -F msgtype=USER_LOGIN\n") !=
          std::string::npos);
    CHECK(off.exitRuleCount() == 0);
    // not configured keeps the Linux default
    CHECK(test::translate(resultantOf(std::string(kHeader) + row("logoff", 3))).rules.empty());
    // ANOM_ABEND is shared by System Integrity and Process Termination: one still on keeps it
    auto shared = test::translate(resultantOf(std::string(kHeader) + row("system-integrity", 4)));
    CHECK(test::rulesText(shared).find("ANOM_ABEND") == std::string::npos);
    CHECK(test::rulesText(shared).find("msgtype=SECCOMP") != std::string::npos);
    // CONFIG_CHANGE is never suppressed
    auto audit = test::translate(resultantOf(std::string(kHeader) + row("audit-policy-change", 4)));
    CHECK(test::rulesText(audit).find("CONFIG_CHANGE") == std::string::npos);
    CHECK(test::rulesText(audit).find("FEATURE_CHANGE") != std::string::npos);
}

TEST_CASE("audit options: CrashOnAuditFail and the rules gated on options")
{
    auto crash = test::translate(resultantOf(std::string(kHeader) + "H,,Option:CrashOnAuditFail,,Enabled,,1\r\n"));
    REQUIRE(crash.status.size() == 3);
    CHECK(crash.status[0].flag == 'f');
    CHECK(crash.status[0].value == 2);
    auto noCrash = test::translate(resultantOf(std::string(kHeader) + "H,,Option:CrashOnAuditFail,,Disabled,,0\r\n"));
    REQUIRE(noCrash.status.size() == 1);
    CHECK(noCrash.status[0].value == 1);
    CHECK(test::translate(resultantOf(kHeader)).status.empty());

    auto base = test::rulesText(test::translate(resultantOf(std::string(kHeader) + row("kernel-object", 3))));
    auto withObjects = test::rulesText(test::translate(
        resultantOf(std::string(kHeader) + row("kernel-object", 3) + "H,,Option:AuditBaseObjects,,Enabled,,1\r\n")));
    CHECK(base.find("semop") == std::string::npos);
    CHECK(withObjects.find("semtimedop") != std::string::npos);
}

TEST_CASE("FileGlobalSacl: gated on File System, trustees, perm, scope")
{
    const std::string sacl = "H,,FileGlobalSacl,,,,S:(AU;SAFA;FW;;;AU)(AU;FA;FR;;;WD)\r\n";
    auto gatedOff = test::translate(resultantOf(std::string(kHeader) + sacl));
    CHECK(gatedOff.exitRuleCount() == 0);
    CHECK(hasNote(gatedOff, "records nothing: File System is set to No Auditing"));

    auto successOnly = test::translate(resultantOf(std::string(kHeader) + row("file-system", 1) + sacl));
    const auto text = test::rulesText(successOnly);
    CHECK(text.find("-F perm=wa -F auid!=unset -F success=1 -k gpaudit-file-system") != std::string::npos);
    CHECK(text.find("perm=r ") == std::string::npos); // the FA-only ACE is gated off
    for (const auto &rule : successOnly.rules)
        CHECK_FALSE(rule.syscalls.empty()); // never every syscall

    TranslateOptions scoped;
    scoped.saclDirectories = {"/srv/data"};
    auto dirs =
        test::rulesText(test::translate(resultantOf(std::string(kHeader) + row("file-system", 3) + sacl), scoped));
    CHECK(dirs.find("-F dir=/srv/data -F perm=wa -F auid!=unset -k gpaudit-file-system") != std::string::npos);
    CHECK(dirs.find("-F dir=/srv/data -F perm=r -F success=0 -k gpaudit-file-system") != std::string::npos);

    scoped.saclDirectories = {"/"};
    CHECK_FALSE(gpaudit::core::translate(test::data().catalog, test::data().mapping,
                                         resultantOf(std::string(kHeader) + sacl), scoped));
}

TEST_CASE("per-user rows: include, exclude, root, groups, unresolved")
{
    const std::string user = "S-1-5-21-1-2-3-1001";
    FakeResolver resolver;
    TranslateOptions options;
    options.resolver = &resolver;

    SUBCASE("include success where the system does not audit: an auid rule")
    {
        auto t = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 1, user)), options);
        const auto text = test::rulesText(t);
        CHECK(text.find("-S execve,execveat -F auid=1001 -F success=1 -k gpaudit-process-creation") !=
              std::string::npos);
        // <6>: the user's other subcategories get Include Failure, merged into few rules
        CHECK(text.find("-F auid=1001 -F success=0") != std::string::npos);
    }
    SUBCASE("exclude success where the system audits it: our success rule narrowed, no never rule")
    {
        auto t = test::translate(
            resultantOf(std::string(kHeader) + row("process-creation", 3) + row("process-creation", 2, user)), options);
        for (const auto &rule : t.rules)
            CHECK(rule.action == AuditRule::Action::Always); // a never rule would hide the user from others' rules
        const auto text = test::rulesText(t);
        // Success split from failure: the exclusion concerns success only.
        CHECK(text.find("-a always,exit -F arch=b64 -S execve,execveat -F success=1 -F auid!=1001 -k "
                        "gpaudit-process-creation\n") != std::string::npos);
        CHECK(text.find("-a always,exit -F arch=b64 -S execve,execveat -F success=0 -k gpaudit-process-creation\n") !=
              std::string::npos);
        // MS-GPAC 2.2.1.3.2: not honoured for Administrators: as root (euid 0) the user is still recorded.
        CHECK(text.find("-S execve,execveat -F success=1 -F euid=0 -k gpaudit-process-creation") != std::string::npos);
        CHECK(text.find("-F auid=1001 -F success=1") == std::string::npos);
    }
    SUBCASE("the same exclusion for two users: one rule carries both; failure exclusions narrow failure rules")
    {
        auto t = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 3) + row("file-system", 2) +
                                             row("process-creation", 0xA, user) +
                                             row("process-creation", 0xA, "S-1-5-21-1-2-3-1002") +
                                             row("file-system", 8, user)),
                                 options);
        const auto text = test::rulesText(t);
        CHECK(text.find("-a always,exit -F arch=b64 -S execve,execveat -F auid!=1001 -F auid!=1002 -k "
                        "gpaudit-process-creation\n") != std::string::npos);
        CHECK(text.find("-a always,exit -F arch=b64 -S execve,execveat -F euid=0 -k gpaudit-process-creation\n") !=
              std::string::npos);
        CHECK(text.find("-F exit=-EACCES -F auid!=1001 -k gpaudit-file-system") != std::string::npos);
        CHECK(text.find("-F exit=-EPERM -F auid!=1001 -k gpaudit-file-system") != std::string::npos);
        CHECK(text.find("-F exit=-EACCES -F euid=0 -k gpaudit-file-system") != std::string::npos);
    }
    SUBCASE("File System exclusion narrows the FileGlobalSacl rules too, not a rule only root matches")
    {
        auto t =
            test::translate(resultantOf(std::string(kHeader) + row("file-system", 1) + row("file-system", 2, user) +
                                        "H,,FileGlobalSacl,,,,S:(AU;SA;FW;;;WD)(AU;SA;FR;;;BA)\r\n"),
                            options);
        const auto text = test::rulesText(t);
        CHECK(text.find("-F perm=wa -F success=1 -F auid!=1001 -k gpaudit-file-system") != std::string::npos);
        CHECK(text.find("-F perm=wa -F success=1 -F euid=0 -k gpaudit-file-system") != std::string::npos);
        // BA (Administrators) is euid=0 already: not narrowed.
        CHECK(text.find("-F perm=r -F euid=0 -F success=1 -k gpaudit-file-system") != std::string::npos);
        CHECK(text.find("-F perm=r -F euid=0 -F success=1 -F auid!=") == std::string::npos);
    }
    SUBCASE("include beats exclude")
    {
        auto t = test::translate(
            resultantOf(std::string(kHeader) + row("process-creation", 3) + row("process-creation", 3, user)), options);
        for (const auto &rule : t.rules)
            CHECK(rule.action == AuditRule::Action::Always);
    }
    SUBCASE("exclusions are not honoured for root")
    {
        auto t = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 3) +
                                             row("process-creation", 2, "S-1-5-21-1-2-3-500")),
                                 options);
        for (const auto &rule : t.rules)
            CHECK(rule.action == AuditRule::Action::Always);
        CHECK(hasNote(t, "not honoured for administrators"));
    }
    SUBCASE("group SIDs are ignored, as Windows does (MS-GPAC <1>)")
    {
        auto t = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 1, "S-1-5-21-1-2-3-2000")),
                                 options);
        CHECK(t.rules.empty());
        CHECK(hasNote(t, "is a group"));
    }
    SUBCASE("without a resolver: reported unresolved, not dropped silently")
    {
        auto t = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 1, user)));
        CHECK(t.rules.empty());
        CHECK(hasNote(t, "unresolved"));
    }
    SUBCASE("user-space record subcategories cannot take per-user settings")
    {
        auto t = test::translate(resultantOf(std::string(kHeader) + row("logon", 1, user)), options);
        CHECK(hasNote(t, "carry the sender's uid"));
    }
}

TEST_CASE("every subcategory at Success and Failure: every exit rule is narrowed, keys are ours")
{
    auto t = test::translate(resultantOf(allSuccessAndFailure()));
    std::set<std::string> keyed;
    std::size_t syscallRules = 0;
    for (const auto &rule : t.rules) {
        if (rule.list == AuditRule::List::Exit) {
            // Never a rule that fires on every syscall: a syscall list, or a file watch (inode hash).
            CHECK((!rule.syscalls.empty() || rule.isWatch()));
            if (!rule.syscalls.empty() && rule.fields.end() == std::find_if(rule.fields.begin(), rule.fields.end(),
                                                                            [](auto &f) { return f.name == "dir"; }))
                ++syscallRules;
        }
        REQUIRE_FALSE(rule.keys.empty());
        CHECK(rule.keyText().rfind("gpaudit-", 0) == 0);
        CHECK(rule.keyText().size() < kMaxKeyLength);
        keyed.insert(rule.keys.begin(), rule.keys.end());
    }
    // Each mapped subcategory with rules appears in some key.
    for (std::size_t i = 0; i < test::data().catalog.subcategories().size(); ++i) {
        const auto &map = test::data().mapping.of(i);
        if (map.mapped && !map.rules.empty())
            CHECK(keyed.contains(test::data().catalog.subcategories()[i].slug));
    }
    // A handful of syscall rules per ABI (each costs every syscall), not one per subcategory and
    // syscall (the unmerged set walks 1,574 rules, tests/bench). Today 9 per ABI.
    MESSAGE("syscall rules: " << syscallRules << ", all rules: " << t.rules.size());
    CHECK(syscallRules <= 20);
}

TEST_CASE("deterministic: the same policy gives byte-identical rules, whatever the row order")
{
    std::string forward = kHeader;
    std::string backward = kHeader;
    const auto &subs = test::data().catalog.subcategories();
    for (std::size_t i = 0; i < subs.size(); ++i) {
        forward += row(subs[i].slug, static_cast<int>(i % 4) + 1);
        backward += row(subs[subs.size() - 1 - i].slug, static_cast<int>((subs.size() - 1 - i) % 4) + 1);
    }
    const auto a = test::rulesText(test::translate(resultantOf(forward)));
    const auto b = test::rulesText(test::translate(resultantOf(forward)));
    const auto c = test::rulesText(test::translate(resultantOf(backward)));
    CHECK(a == b);
    CHECK(a == c);
}

TEST_CASE("platforms: aarch64 has one ABI and its own syscall names; unknown machines are refused")
{
    TranslateOptions options;
    options.machine = "aarch64";
    auto t = test::translate(resultantOf(std::string(kHeader) + row("file-system", 2)), options);
    for (const auto &rule : t.rules) {
        CHECK(rule.arch == "b64");
        CHECK(std::find(rule.syscalls.begin(), rule.syscalls.end(), "open") == rule.syscalls.end());
        CHECK(std::find(rule.syscalls.begin(), rule.syscalls.end(), "openat") != rule.syscalls.end());
    }
    options.machine = "sparc";
    CHECK_FALSE(gpaudit::core::translate(test::data().catalog, test::data().mapping, resultantOf(kHeader), options));
}

TEST_CASE("a directory watch becomes file watches on a host that can list it; too large stays a tree")
{
    struct ListingProbe final : HostProbe {
        bool directoryExists(const std::string &) const override { return true; }
        std::optional<std::vector<std::string>> listTree(const std::string &dir, std::size_t limit) const override
        {
            if (dir == "/etc/sudoers.d")
                return std::vector<std::string>{"/etc/sudoers.d/README", "/etc/sudoers.d/admins"};
            CHECK(limit == kMaxExpandedWatches);
            return std::nullopt; // too many entries
        }
    } probe;
    TranslateOptions options;
    options.probe = &probe;
    auto t = test::translate(resultantOf(std::string(kHeader) + row("authorization-policy-change", 1)), options);
    const auto text = test::rulesText(t);
    CHECK(
        text.find(
            "-a always,exit -F path=/etc/sudoers.d -F perm=wa -F success=1 -k gpaudit-authorization-policy-change\n") !=
        std::string::npos);
    CHECK(text.find("-a always,exit -F path=/etc/sudoers.d/admins -F perm=wa -F success=1") != std::string::npos);
    CHECK(text.find("-F dir=/etc/sudoers.d") == std::string::npos);
    CHECK(text.find("-F dir=/etc/polkit-1") != std::string::npos); // could not be listed: a tree rule
    CHECK(hasNote(t, "/etc/sudoers.d: the directory and its 2 entries are watched one by one"));
    CHECK(hasNote(t, "/etc/polkit-1: more than " + std::to_string(kMaxExpandedWatches) +
                         " entries, kept as a directory tree rule"));
}

namespace {

// A model of the kernel's choice of key (kernel/auditsc.c __audit_syscall_exit): the first matching rule of
// the exit list (fact 1), then the first matching file watch, whose key replaces it. Only the fields the
// overlap tests use.
struct Exec {
    std::string path;
    std::int64_t auid = 5, uid = 0, euid = 0;
    bool success = true;
};

bool matches(const AuditRule &rule, const Exec &e)
{
    if (rule.list != AuditRule::List::Exit || rule.action != AuditRule::Action::Always)
        return false;
    if (!rule.arch.empty() && rule.arch != "b64")
        return false;
    if (!rule.syscalls.empty() &&
        std::find(rule.syscalls.begin(), rule.syscalls.end(), "execve") == rule.syscalls.end())
        return false;
    for (const auto &f : rule.fields) {
        if (f.compare) {
            REQUIRE(f.str() == "uid!=euid");
            if (e.uid == e.euid)
                return false;
            continue;
        }
        if (f.name == "path") {
            if (e.path != f.value)
                return false;
            continue;
        }
        if (f.name == "perm") {
            if (f.value.find('x') == std::string::npos)
                return false;
            continue;
        }
        REQUIRE((f.name == "auid" || f.name == "euid" || f.name == "success"));
        const std::int64_t left = f.name == "auid" ? e.auid : f.name == "euid" ? e.euid : (e.success ? 1 : 0);
        const std::int64_t right = f.value == "unset" ? 4294967295 : std::stoll(f.value);
        if ((f.op == "=" && left != right) || (f.op == "!=" && left == right))
            return false;
        REQUIRE((f.op == "=" || f.op == "!="));
    }
    return true;
}

// The keys the record carries, and the keys of every rule that matches (what it should carry).
std::pair<std::set<std::string>, std::set<std::string>> recordKeys(const Translation &t, const Exec &e)
{
    std::set<std::string> carried, every;
    bool exitMatched = false, watchMatched = false;
    for (const auto &rule : t.rules) {
        if (!matches(rule, e))
            continue;
        every.insert(rule.keys.begin(), rule.keys.end());
        if (rule.isWatch() && !watchMatched) {
            watchMatched = true;
            carried = {rule.keys.begin(), rule.keys.end()};
        } else if (!rule.isWatch() && !exitMatched && !watchMatched) {
            exitMatched = true;
            carried = {rule.keys.begin(), rule.keys.end()};
        }
    }
    return {carried, every};
}

} // namespace

TEST_CASE("overlaps: under a per-user exclusion every exec record carries the keys of every rule it matches")
{
    const std::string user = "S-1-5-21-1-2-3-1001";
    FakeResolver resolver;
    TranslateOptions options;
    options.resolver = &resolver;
    const std::string base = std::string(kHeader) + row("process-creation", 3) + row("special-logon", 3) +
                             row("sensitive-privilege-use", 3) + row("audit-policy-change", 1);
    auto before = test::translate(resultantOf(base), options);
    auto t = test::translate(resultantOf(base + row("process-creation", 2, user)), options);
    const auto text = test::rulesText(t);
    // The set-uid exec rule stands first; the exclusion's twin (euid=0) and the failure rule cover it
    // together: it carries process-creation itself, no copy.
    CHECK(text.find("-a always,exit -F arch=b64 -S execve,execveat -F euid=0 -C uid!=euid -k gpaudit-special-logon "
                    "-k gpaudit-sensitive-privilege-use -k gpaudit-process-creation\n") != std::string::npos);
    // The watch on auditctl (its key replaces the exit rule's): copies narrowed like Process Creation,
    // first, with both keys; the watch itself keeps its own.
    const auto copy = text.find("-a always,exit -F path=/usr/sbin/auditctl -F perm=x -F success=1 -F auid!=1001 -k "
                                "gpaudit-process-creation -k gpaudit-audit-policy-change\n");
    const auto twin = text.find("-a always,exit -F path=/usr/sbin/auditctl -F perm=x -F success=1 -F euid=0 -k "
                                "gpaudit-process-creation -k gpaudit-audit-policy-change\n");
    const auto original =
        text.find("-a always,exit -F path=/usr/sbin/auditctl -F perm=x -F success=1 -k gpaudit-audit-policy-change\n");
    REQUIRE(copy != std::string::npos);
    REQUIRE(twin != std::string::npos);
    REQUIRE(original != std::string::npos);
    CHECK(copy < original);
    CHECK(twin < original);
    // The cost: two watches (inode hash) per watched program, no exit-list rule. (The exclusion also gives
    // the user Include Failure elsewhere, MS-GPAC 2.2.1.3.2 <6>: most of the rules counted here.)
    MESSAGE("rules: " << before.rules.size() << " -> " << t.rules.size() << "; exit-list syscall rules: "
                      << std::count_if(before.rules.begin(), before.rules.end(),
                                       [](const auto &r) { return !r.syscalls.empty(); })
                      << " -> " << std::count_if(t.rules.begin(), t.rules.end(), [](const auto &r) {
                             return !r.syscalls.empty();
                         }));

    using S = std::set<std::string>;
    struct Case {
        const char *what;
        Exec exec;
        S expected;
    };
    const std::vector<Case> cases = {
        {"auditctl run by root", {"/usr/sbin/auditctl", 5, 0, 0, true}, S{"process-creation", "audit-policy-change"}},
        {"auditctl run by the excluded user as root (not honoured for administrators)",
         {"/usr/sbin/auditctl", 1001, 0, 0, true},
         S{"process-creation", "audit-policy-change"}},
        {"auditctl run by the excluded user", {"/usr/sbin/auditctl", 1001, 1001, 1001, true}, S{"audit-policy-change"}},
        {"auditctl failing for the excluded user",
         {"/usr/sbin/auditctl", 1001, 1001, 1001, false},
         S{"process-creation", "audit-policy-change"}}, // failure: the user's Include Failure (<6>)
        {"a set-uid-root program",
         {"/usr/bin/passwd", 5, 65534, 0, true},
         S{"special-logon", "sensitive-privilege-use", "process-creation"}},
        {"a set-uid-root program run by the excluded user",
         {"/usr/bin/passwd", 1001, 1001, 0, true},
         S{"special-logon", "sensitive-privilege-use", "process-creation"}},
        {"a program run by the excluded user", {"/usr/bin/true", 1001, 1001, 1001, true}, S{}},
        {"a program run by another user", {"/usr/bin/true", 1002, 1002, 1002, true}, S{"process-creation"}},
    };
    for (const auto &c : cases) {
        const std::string what = c.what;
        CAPTURE(what);
        const auto [carried, every] = recordKeys(t, c.exec);
        std::string got;
        for (const auto &key : carried)
            got += key + " ";
        CAPTURE(got);
        CHECK(carried == c.expected);
        CHECK(carried == every);
    }
}

TEST_CASE("overlaps: copies only for per-user rules; directory rules take covering keys only")
{
    // Without per-user settings the rules are those of the key propagation alone: no copy.
    auto system = test::translate(resultantOf(std::string(kHeader) + row("process-creation", 1) +
                                              row("special-logon", 3) + row("audit-policy-change", 1)));
    for (const auto &rule : system.rules)
        CHECK(rule.render().find("-C uid!=euid -F success=1") == std::string::npos);
    // A watch below a watched directory: the directory rule's keys (the watch's key replaces its own).
    auto nested = test::translate(resultantOf(std::string(kHeader) + row("authentication-policy-change", 3) +
                                              row("authorization-policy-change", 3)));
    CHECK(test::rulesText(nested).find(
              "-a always,exit -F path=/etc/security/access.conf -F perm=wa -k "
              "gpaudit-authentication-policy-change -k gpaudit-authorization-policy-change\n") != std::string::npos);
    // An included user's File System failure rules against the watched directories: no copies (they
    // would multiply by directories, exit codes and ABIs on the exit list).
    const std::string user = "S-1-5-21-1-2-3-1001";
    FakeResolver resolver;
    TranslateOptions options;
    options.resolver = &resolver;
    auto included = test::translate(
        resultantOf(std::string(kHeader) + row("other-object-access-events", 1) + row("file-system", 4, user)),
        options);
    for (const auto &rule : included.rules) {
        const auto line = rule.render();
        CHECK_FALSE((line.find("-F dir=") != std::string::npos && line.find("-F exit=") != std::string::npos));
    }
}
