// SPDX-License-Identifier: GPL-2.0-or-later
// GPO list: gPLink and extension parsing, MS-GPOL order, enforced/block inheritance/disabled links,
// GPC filtering, and security filtering over binary security descriptors.
#include "core/gpclient/gpo_list.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;

namespace {

constexpr const char *kDdp = "31B2F340-016D-11D2-945F-00C04FB984F9";
constexpr const char *kDomainAudit = "7C6E2D30-4B5F-4071-ACBD-2E3F4A5B6C7D";
constexpr const char *kLinux = "5A4C0B1E-2F3D-4E5F-8A9B-0C1D2E3F4A5B";
constexpr const char *kServers = "6B5D1C2F-3A4E-4F60-9BAC-1D2E3F4A5B6C";
constexpr const char *kMachine = "S-1-5-21-1004336348-1177238915-682003330-1105";
constexpr const char *kServersGroup = "S-1-5-21-1004336348-1177238915-682003330-2001";

std::string link(const char *guid, int options)
{
    return "[LDAP://cn={" + std::string(guid) + "},cn=policies,cn=system,DC=gpa,DC=test;" + std::to_string(options) +
           "]";
}

void put32(std::vector<std::uint8_t> &out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put16(std::vector<std::uint8_t> &out, std::uint16_t v)
{
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
}
std::vector<std::uint8_t> sidBytes(const std::string &text)
{
    const auto sid = *parseSid(text);
    std::vector<std::uint8_t> out = {1, static_cast<std::uint8_t>(sid.subAuthorities.size())};
    for (int i = 5; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(sid.authority >> (8 * i)));
    for (auto sub : sid.subAuthorities)
        put32(out, sub);
    return out;
}
std::vector<std::uint8_t> guidBytes(const std::string &text)
{
    std::vector<std::uint8_t> out;
    auto hex = [&](std::size_t at, std::size_t n) {
        return static_cast<std::uint32_t>(std::stoul(text.substr(at, n), nullptr, 16));
    };
    put32(out, hex(0, 8));
    put16(out, static_cast<std::uint16_t>(hex(9, 4)));
    put16(out, static_cast<std::uint16_t>(hex(14, 4)));
    for (std::size_t at : {19U, 21U, 24U, 26U, 28U, 30U, 32U, 34U})
        out.push_back(static_cast<std::uint8_t>(hex(at, 2)));
    return out;
}

struct AceSpec {
    std::uint8_t type; // 0 allow, 1 deny, 5 allow object, 6 deny object
    std::uint32_t mask;
    std::string sid;
    std::string objectType; // for object ACEs, empty = none
    std::uint8_t flags = 0;
};

std::vector<std::uint8_t> makeSd(const std::vector<AceSpec> &aces)
{
    std::vector<std::uint8_t> acl;
    for (const auto &spec : aces) {
        std::vector<std::uint8_t> body;
        put32(body, spec.mask);
        if (spec.type == 5 || spec.type == 6) {
            put32(body, spec.objectType.empty() ? 0 : 1);
            if (!spec.objectType.empty()) {
                auto g = guidBytes(spec.objectType);
                body.insert(body.end(), g.begin(), g.end());
            }
        }
        auto sid = sidBytes(spec.sid);
        body.insert(body.end(), sid.begin(), sid.end());
        acl.push_back(spec.type);
        acl.push_back(spec.flags);
        put16(acl, static_cast<std::uint16_t>(body.size() + 4));
        acl.insert(acl.end(), body.begin(), body.end());
    }
    std::vector<std::uint8_t> sd = {1, 0};
    put16(sd, 0x8004); // self-relative, DACL present
    put32(sd, 0);
    put32(sd, 0);
    put32(sd, 0);
    put32(sd, 20); // DACL right after the header
    sd.push_back(4);
    sd.push_back(0);
    put16(sd, static_cast<std::uint16_t>(acl.size() + 8));
    put16(sd, static_cast<std::uint16_t>(aces.size()));
    put16(sd, 0);
    sd.insert(sd.end(), acl.begin(), acl.end());
    return sd;
}

// GPMC's default: Authenticated Users read + apply.
std::vector<std::uint8_t> defaultSd()
{
    return makeSd({{0, 0x20094, "S-1-5-11", ""}, {5, 0x100, "S-1-5-11", std::string(kApplyGroupPolicyRight)}});
}

GroupPolicyContainer gpc(const char *guid, const std::string &name, std::vector<std::uint8_t> sd = defaultSd())
{
    GroupPolicyContainer c;
    c.guid = guid;
    c.displayName = name;
    c.versionNumber = 3;
    c.machineExtensionNames = "[{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]"
                              "[{F3CCC681-B74C-4060-9F26-CD84525DCA2A}{0F3F3735-573D-9804-99E4-AB2A69BA5FD4}]";
    c.securityDescriptor = std::move(sd);
    return c;
}

std::vector<std::string> names(const std::vector<GpoDecision> &decisions)
{
    std::vector<std::string> out;
    out.reserve(decisions.size());
    for (const auto &d : decisions)
        out.push_back(d.name);
    return out;
}

const std::vector<Sid> kToken = {*parseSid(kMachine), *parseSid(kServersGroup)};

} // namespace

TEST_CASE("gPLink: entries, options, case, errors")
{
    auto links = parseGpLink(link(kDdp, 0) + link(kDomainAudit, 2) + " [ldap://CN={" + kLinux + "},CN=Policies;1]");
    REQUIRE(links);
    REQUIRE(links->size() == 3);
    CHECK((*links)[0].guid == kDdp);
    CHECK_FALSE((*links)[0].enforced);
    CHECK((*links)[1].enforced);
    CHECK((*links)[2].disabled);
    CHECK(parseGpLink("")->empty());
    CHECK(parseGpLink(" ")->empty());
    CHECK_FALSE(parseGpLink("[LDAP://cn={" + std::string(kDdp) + "},cn=policies]"));
    CHECK_FALSE(parseGpLink("[LDAP://cn=notaguid,cn=policies;0]"));
    CHECK_FALSE(parseGpLink("[http://cn={" + std::string(kDdp) + "};0]"));
    CHECK_FALSE(parseGpLink("[LDAP://cn={" + std::string(kDdp) + "};x]"));
    CHECK_FALSE(parseGpLink("garbage"));
    CHECK_FALSE(parseGpLink("[LDAP://cn={" + std::string(kDdp) + "};0"));
}

TEST_CASE("gPCMachineExtensionNames: the first GUID of each entry is the CSE")
{
    auto cses = parseExtensionNames("[{00000000-0000-0000-0000-000000000000}{79F92669-4224-476C-9C5C-6EFB4D87DF4A}]"
                                    "[{f3ccc681-b74c-4060-9f26-cd84525dca2a}{0F3F3735-573D-9804-99E4-AB2A69BA5FD4}]");
    REQUIRE(cses);
    CHECK(cses->contains(std::string(kAuditCse)));
    CHECK_FALSE(cses->contains("79F92669-4224-476C-9C5C-6EFB4D87DF4A")); // a tool extension
    CHECK(parseExtensionNames("")->empty());
    CHECK_FALSE(parseExtensionNames("[{F3CCC681-B74C-4060-9F26-CD84525DCA2A}"));
    CHECK_FALSE(parseExtensionNames("[{F3CCC681-B74C-4060-9F26}]"));
    CHECK_FALSE(parseExtensionNames("{F3CCC681-B74C-4060-9F26-CD84525DCA2A}"));
}

TEST_CASE("MS-GPOL order for the lab's LINUX1 (OU=Servers) and LINUX2 (blocked OU)")
{
    // samba-tool gpo setlink prepends: the domain head lists the enforced Domain Audit first.
    const std::vector<GroupPolicyContainer> gpcs = {gpc(kDdp, "Default Domain Policy"),
                                                    gpc(kDomainAudit, "GPA Domain Audit"),
                                                    gpc(kLinux, "GPA Linux Audit"), gpc(kServers, "GPA Servers Audit")};
    const Som domain{Som::Kind::Domain, "DC=gpa,DC=test", link(kDomainAudit, 2) + link(kDdp, 0), 0};
    const Som linux{Som::Kind::OrganizationalUnit, "OU=Linux,DC=gpa,DC=test", link(kLinux, 0), 0};
    const Som servers{Som::Kind::OrganizationalUnit, "OU=Servers,OU=Linux,DC=gpa,DC=test", link(kServers, 0), 0};
    const Som blocked{Som::Kind::OrganizationalUnit, "OU=Blocked,OU=Linux,DC=gpa,DC=test", link(kServers, 1), 1};

    auto linux1 = buildGpoList({domain, linux, servers}, gpcs, kToken);
    REQUIRE(linux1);
    CHECK(names(linux1->applied) == std::vector<std::string>{"Default Domain Policy", "GPA Linux Audit",
                                                             "GPA Servers Audit", "GPA Domain Audit"});
    CHECK(linux1->applied.back().enforced);

    auto linux2 = buildGpoList({domain, linux, blocked}, gpcs, kToken);
    REQUIRE(linux2);
    CHECK(names(linux2->applied) == std::vector<std::string>{"GPA Domain Audit"});
    REQUIRE(linux2->considered.size() == 4);
    for (const auto &d : linux2->considered) {
        if (d.guid == kDdp || d.guid == kLinux)
            CHECK(d.reason == "inheritance blocked at OU=Blocked,OU=Linux,DC=gpa,DC=test");
        if (d.guid == kServers)
            CHECK(d.reason == "link disabled");
    }
}

TEST_CASE("link order inside one SOM: the last gPLink entry has link order 1 and is processed last")
{
    const std::vector<GroupPolicyContainer> gpcs = {gpc(kLinux, "A"), gpc(kServers, "B")};
    auto list =
        buildGpoList({{Som::Kind::OrganizationalUnit, "OU=X", link(kLinux, 0) + link(kServers, 0), 0}}, gpcs, kToken);
    REQUIRE(list);
    CHECK(names(list->applied) == std::vector<std::string>{"A", "B"});
}

TEST_CASE("enforced links: after all others, the highest SOM last; site before domain in normal order")
{
    const std::vector<GroupPolicyContainer> gpcs = {gpc(kDdp, "site"), gpc(kDomainAudit, "domain-enforced"),
                                                    gpc(kLinux, "ou-enforced"), gpc(kServers, "ou")};
    auto list = buildGpoList({{Som::Kind::Site, "CN=Default-First-Site-Name", link(kDdp, 0), 0},
                              {Som::Kind::Domain, "DC=gpa,DC=test", link(kDomainAudit, 2), 0},
                              {Som::Kind::OrganizationalUnit, "OU=Linux", link(kLinux, 2) + link(kServers, 0), 0}},
                             gpcs, kToken);
    REQUIRE(list);
    CHECK(names(list->applied) == std::vector<std::string>{"site", "ou", "ou-enforced", "domain-enforced"});
}

TEST_CASE("GPC filtering: computer settings disabled, computer version 0, missing GPC, CSEs, WMI")
{
    auto disabled = gpc(kLinux, "disabled");
    disabled.flags = 2;
    auto userOnly = gpc(kServers, "user only");
    userOnly.versionNumber = 0x00050000; // user version 5, computer version 0
    auto noAudit = gpc(kDdp, "no audit");
    noAudit.machineExtensionNames = "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{53D6AB1B-2488-11D1-A28C-00C04FB94F17}]";
    auto wmi = gpc(kDomainAudit, "wmi");
    wmi.wqlFilter = "[gpa.test;{E5E5E5E5-0000-0000-0000-000000000000};0]";
    const std::string links = link(kLinux, 0) + link(kServers, 0) + link(kDdp, 0) + link(kDomainAudit, 0) +
                              link("11111111-2222-3333-4444-555555555555", 0);
    auto list =
        buildGpoList({{Som::Kind::OrganizationalUnit, "OU=X", links, 0}}, {disabled, userOnly, noAudit, wmi}, kToken);
    REQUIRE(list);
    REQUIRE(list->considered.size() == 5);
    CHECK(list->considered[0].reason == "computer settings disabled (GPC flags)");
    CHECK(list->considered[1].reason == "computer version 0: no computer settings");
    CHECK(list->considered[2].applied);
    CHECK_FALSE(list->considered[2].hasAudit);
    // The Registry CSE (Administrative Templates) may carry "Include command line in process creation
    // events" (Registry.pol, MS-GPREG): the GPO is read for it.
    CHECK(list->considered[2].hasRegistry);
    CHECK(list->considered[2].reason.empty());
    CHECK(list->considered[3].applied);
    CHECK(list->considered[3].hasAudit);
    CHECK(list->considered[3].hasSecurity);
    CHECK(list->considered[3].reason == "WMI filter not evaluated");
    CHECK_FALSE(list->considered[4].applied);
    CHECK(list->considered[4].reason.find("no groupPolicyContainer") == 0);
}

TEST_CASE("a GPO linked twice applies once, at its highest-precedence place")
{
    auto list = buildGpoList({{Som::Kind::Domain, "DC=d", link(kLinux, 0), 0},
                              {Som::Kind::OrganizationalUnit, "OU=X", link(kServers, 0) + link(kLinux, 0), 0}},
                             {gpc(kLinux, "L"), gpc(kServers, "S")}, kToken);
    REQUIRE(list);
    CHECK(names(list->applied) == std::vector<std::string>{"S", "L"});
    CHECK(list->considered[0].reason == "linked again with higher precedence");
}

TEST_CASE("security filtering: Read and Apply Group Policy for the machine's token")
{
    const std::string apply(kApplyGroupPolicyRight);
    auto access = [&](const std::vector<AceSpec> &aces) {
        auto result =
            checkGpoAccess(makeSd(aces), {*parseSid(kMachine), *parseSid(kServersGroup), *parseSid("S-1-5-11")});
        REQUIRE(result);
        return *result;
    };
    SUBCASE("GPMC default: Authenticated Users read and apply")
    {
        auto a = access({{0, 0x20094, "S-1-5-11", ""}, {5, 0x100, "S-1-5-11", apply}});
        CHECK(a.read);
        CHECK(a.apply);
    }
    SUBCASE("a deny Apply Group Policy ACE for the machine wins over the group's allow (deny first)")
    {
        auto a = access({{6, 0x100, kMachine, apply}, {0, 0x20094, "S-1-5-11", ""}, {5, 0x100, "S-1-5-11", apply}});
        CHECK(a.read);
        CHECK_FALSE(a.apply);
    }
    SUBCASE("apply through a group of tokenGroups; not through another group")
    {
        CHECK(access({{0, 0x20094, "S-1-5-11", ""}, {5, 0x100, kServersGroup, apply}}).apply);
        CHECK_FALSE(access({{0, 0x20094, "S-1-5-11", ""}, {5, 0x100, "S-1-5-21-1-2-3-999", apply}}).apply);
    }
    SUBCASE("another extended right does not grant Apply; all extended rights (no object type) do")
    {
        CHECK_FALSE(access({{5, 0x100, "S-1-5-11", "00299570-246D-11D0-A768-00AA006E0529"}}).apply);
        CHECK(access({{0, 0x100, "S-1-5-11", ""}}).apply);
    }
    SUBCASE("GENERIC_ALL grants both; inherit-only ACEs do not count")
    {
        auto all = access({{0, 0x10000000, kMachine, ""}});
        CHECK(all.read);
        CHECK(all.apply);
        CHECK_FALSE(access({{0, 0xF01FF, kMachine, "", 0x08}}).apply);
    }
    SUBCASE("no DACL at all: no restriction")
    {
        std::vector<std::uint8_t> noDacl = {1, 0, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        auto a = checkGpoAccess(noDacl, {});
        REQUIRE(a);
        CHECK(a->apply);
    }
    SUBCASE("an empty DACL grants nothing")
    {
        auto a = access({});
        CHECK_FALSE(a.read);
        CHECK_FALSE(a.apply);
    }
}

TEST_CASE("malformed security descriptors are errors, and such a GPO is not applied")
{
    auto sd = makeSd({{0, 0x20094, "S-1-5-11", ""}});
    CHECK_FALSE(checkGpoAccess({}, {}));
    auto truncated = sd;
    truncated.resize(truncated.size() - 3);
    CHECK_FALSE(checkGpoAccess(truncated, {}));
    auto badAceSize = sd;
    badAceSize[20 + 8 + 2] = 0xFF; // the first ACE claims to run past the DACL
    CHECK_FALSE(checkGpoAccess(badAceSize, {}));
    auto badDacl = sd;
    badDacl[16] = 0xF0; // DACL offset out of range
    CHECK_FALSE(checkGpoAccess(badDacl, {}));

    auto list = buildGpoList({{Som::Kind::Domain, "DC=d", link(kLinux, 0), 0}}, {gpc(kLinux, "L", truncated)}, kToken);
    REQUIRE(list);
    CHECK(list->applied.empty());
    CHECK(list->considered[0].reason.find("security descriptor") == 0);
}

TEST_CASE("a malformed gPLink names its container")
{
    auto list = buildGpoList({{Som::Kind::Domain, "DC=gpa,DC=test", "[LDAP://broken", 0}}, {}, kToken);
    REQUIRE_FALSE(list);
    CHECK(list.error().message.find("DC=gpa,DC=test") != std::string::npos);
}

TEST_CASE("CSE per-file decision (MS-GPOL 3.2.5.1.10)")
{
    const ExtensionList securityOnly{{std::string(kSecurityCse)}, "gPCMachineExtensionNames"};
    const ExtensionList auditOnly{{std::string(kAuditCse)}, "Backup.xml MachineExtensionGuids"};
    const ExtensionList none{{}, "Backup.xml MachineExtensionGuids"};
    SUBCASE("registered only for the Security CSE: GptTmpl.inf used, audit.csv ignored")
    {
        auto inf = decidePolicyFile(PolicyFile::GptTmplInf, securityOnly);
        auto csv = decidePolicyFile(PolicyFile::AuditCsv, securityOnly);
        CHECK(inf.read);
        CHECK_FALSE(csv.read);
        CHECK(csv.why.find("F3CCC681-B74C-4060-9F26-CD84525DCA2A") != std::string::npos);
        CHECK(csv.why.find("MS-GPOL 3.2.5.1.10") != std::string::npos);
        CHECK(csv.why.find("gPCMachineExtensionNames") != std::string::npos);
    }
    SUBCASE("registered only for the Advanced Audit CSE: the reverse")
    {
        CHECK(decidePolicyFile(PolicyFile::AuditCsv, auditOnly).read);
        CHECK(decidePolicyFile(PolicyFile::AuditCsv, auditOnly).why.find("MS-GPAC 3.2.5") != std::string::npos);
        CHECK_FALSE(decidePolicyFile(PolicyFile::GptTmplInf, auditOnly).read);
        CHECK(decidePolicyFile(PolicyFile::GptTmplInf, auditOnly).why.find("827D319E") != std::string::npos);
    }
    SUBCASE("an empty list: nothing read")
    {
        CHECK_FALSE(decidePolicyFile(PolicyFile::AuditCsv, none).read);
        CHECK_FALSE(decidePolicyFile(PolicyFile::GptTmplInf, none).read);
    }
    SUBCASE("no list known: read, and said so")
    {
        auto d = decidePolicyFile(PolicyFile::AuditCsv, std::nullopt);
        CHECK(d.read);
        CHECK(d.why.find("no extension list available") != std::string::npos);
    }
    SUBCASE("Backup.xml MachineExtensionGuids: lowercase and uppercase GUIDs, tool GUIDs not CSEs")
    {
        auto lower =
            backupExtensionList("[{827d319e-6eac-11d2-a4ea-00c04f79f83a}{803e14a0-b4fb-11d0-a0d0-00a0c90f574b}]"
                                "[{f3ccc681-b74c-4060-9f26-cd84525dca2a}{0f3f3735-573d-9804-99e4-ab2a69ba5fd4}]");
        REQUIRE(lower);
        CHECK(decidePolicyFile(PolicyFile::AuditCsv, *lower).read);
        CHECK(decidePolicyFile(PolicyFile::GptTmplInf, *lower).read);
        auto toolOnly =
            backupExtensionList("[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{F3CCC681-B74C-4060-9F26-CD84525DCA2A}]");
        REQUIRE(toolOnly);
        CHECK_FALSE(decidePolicyFile(PolicyFile::AuditCsv, *toolOnly).read);
        CHECK_FALSE(backupExtensionList("[{not-a-guid}]"));
    }
}
