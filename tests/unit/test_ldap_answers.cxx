// SPDX-License-Identifier: GPL-2.0-or-later
// Reading the directory's answers of one sync (core/gpclient/ldap_answers): the computer and its SOMs
// in MS-GPOL 3.2.5.1 order, the linked GPCs, the security token. Entries as libldap gives them.
#include "core/gpclient/ldap_answers.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;

namespace {

// MS-DTYP 2.4.2.2: revision, sub-authority count, 48-bit authority big-endian, sub-authorities LE.
std::string binarySid(std::uint8_t authority, const std::vector<std::uint32_t> &subs)
{
    std::string out;
    out += static_cast<char>(1);
    out += static_cast<char>(subs.size());
    out += std::string(5, '\0');
    out += static_cast<char>(authority);
    for (auto sub : subs)
        for (int i = 0; i < 4; ++i)
            out += static_cast<char>((sub >> (8 * i)) & 0xFF);
    return out;
}

DirectoryEntry entry(std::string dn, std::map<std::string, std::vector<std::string>> attributes)
{
    return DirectoryEntry{std::move(dn), std::move(attributes)};
}

const std::string kBase = "DC=gpa,DC=test";
const std::string kLink = "[LDAP://cn={31B2F340-016D-11D2-945F-00C04FB984F9},cn=policies,cn=system,DC=gpa,DC=test;0]";
const std::string kOuLink = "[LDAP://cn={6AC1786C-016F-11D2-945F-00C04FB984F9},cn=policies,cn=system,DC=gpa,DC=test;2]"
                            "[LDAP://cn={31B2F340-016D-11D2-945F-00C04FB984F9},cn=policies,cn=system,DC=gpa,DC=test;0]";

std::vector<DirectoryEntry> somAnswer()
{
    return {
        entry("CN=LINUX1,OU=Servers,OU=Linux,DC=gpa,DC=test",
              {{"objectclass", {"top", "person", "computer"}}, {"objectsid", {binarySid(5, {21, 1, 2, 3, 1105})}}}),
        entry("dc=GPA,dc=test", {{"objectclass", {"domainDNS"}}, {"gplink", {kLink}}}),
        entry("OU=Linux,DC=gpa,DC=test", {{"objectclass", {"organizationalUnit"}}, {"gpoptions", {"1"}}}),
        entry("OU=Servers,OU=Linux,DC=gpa,DC=test",
              {{"objectclass", {"organizationalUnit"}}, {"gplink", {kOuLink}}, {"gpoptions", {"0"}}}),
    };
}

} // namespace

TEST_CASE("the computer and its SOMs, in MS-GPOL 3.2.5.1 order")
{
    const auto answer = somAnswer();
    auto computer = readComputerAndSoms(answer, "LINUX1$", kBase);
    REQUIRE(computer);
    CHECK(computer->computerDn == "CN=LINUX1,OU=Servers,OU=Linux,DC=gpa,DC=test");
    CHECK(computer->computerSid == "S-1-5-21-1-2-3-1105");

    const auto site =
        entry("CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=gpa,DC=test", {{"gplink", {kLink}}});
    auto soms = somsInOrder(&site, *computer, kBase);
    REQUIRE(soms);
    REQUIRE(soms->size() == 4);
    CHECK((*soms)[0].kind == Som::Kind::Site);
    CHECK((*soms)[1].kind == Som::Kind::Domain);
    CHECK((*soms)[1].dn == "dc=GPA,dc=test"); // found case-insensitively, named as the DC wrote it
    CHECK((*soms)[2].dn == "OU=Linux,DC=gpa,DC=test");
    CHECK((*soms)[2].gpOptions == 1); // block inheritance
    CHECK((*soms)[3].dn == "OU=Servers,OU=Linux,DC=gpa,DC=test");
    CHECK((*soms)[3].gpLink == kOuLink);

    // Without a site entry: domain and OUs only.
    auto noSite = somsInOrder(nullptr, *computer, kBase);
    REQUIRE(noSite);
    CHECK(noSite->size() == 3);

    // Each GPO once, in order of appearance.
    auto guids = linkedGpoGuids(*soms);
    REQUIRE(guids);
    CHECK(*guids ==
          std::vector<std::string>{"31B2F340-016D-11D2-945F-00C04FB984F9", "6AC1786C-016F-11D2-945F-00C04FB984F9"});
    CHECK(containersFilter(*guids) == "(&(objectClass=groupPolicyContainer)(|(cn={31B2F340-016D-11D2-945F-"
                                      "00C04FB984F9})(cn={6AC1786C-016F-11D2-945F-00C04FB984F9})))");
}

TEST_CASE("an incomplete or ambiguous SOM answer is an error naming what is wrong")
{
    auto answer = somAnswer();
    // No computer.
    std::vector<DirectoryEntry> noComputer(answer.begin() + 1, answer.end());
    auto none = readComputerAndSoms(noComputer, "LINUX1$", kBase);
    REQUIRE_FALSE(none);
    CHECK(none.error().message.find("no computer account LINUX1$") != std::string::npos);
    // Two computers.
    auto twice = answer;
    twice.push_back(answer.front());
    auto two = readComputerAndSoms(twice, "LINUX1$", kBase);
    REQUIRE_FALSE(two);
    CHECK(two.error().message.find("more than one computer account") != std::string::npos);
    // A computer without objectSid, or with a malformed one.
    auto noSid = answer;
    noSid.front().attributes.erase("objectsid");
    CHECK(readComputerAndSoms(noSid, "LINUX1$", kBase).error().message.find("has no objectSid") != std::string::npos);
    auto badSid = answer;
    badSid.front().attributes["objectsid"] = {"\x01\x05"};
    CHECK(readComputerAndSoms(badSid, "LINUX1$", kBase).error().message.find("objectSid of CN=LINUX1") !=
          std::string::npos);
    // An OU above the computer missing from the answer: the list would be wrong.
    std::vector<DirectoryEntry> noOu = {answer[0], answer[1], answer[3]};
    auto computer = readComputerAndSoms(noOu, "LINUX1$", kBase);
    REQUIRE(computer);
    auto soms = somsInOrder(nullptr, *computer, kBase);
    REQUIRE_FALSE(soms);
    CHECK(soms.error().message == "LDAP: the organizational unit OU=Linux,DC=gpa,DC=test was not returned");
    // The domain head missing.
    std::vector<DirectoryEntry> noHead = {answer[0], answer[2], answer[3]};
    auto headless = readComputerAndSoms(noHead, "LINUX1$", kBase);
    REQUIRE(headless);
    CHECK(somsInOrder(nullptr, *headless, kBase).error().message.find("the domain head") != std::string::npos);
    // gPOptions that is not a number names the attribute and the entry.
    auto badOptions = answer;
    badOptions[2].attributes["gpoptions"] = {"one"};
    auto bad = readComputerAndSoms(badOptions, "LINUX1$", kBase);
    REQUIRE(bad);
    CHECK(somsInOrder(nullptr, *bad, kBase).error().message ==
          "LDAP: gPOptions of OU=Linux,DC=gpa,DC=test is not a number: \"one\"");
    // A gPLink that does not parse.
    auto badLink = std::vector<Som>{{Som::Kind::Domain, kBase, "[LDAP://cn=nothing;0", 0}};
    CHECK(linkedGpoGuids(badLink).error().message.find("LDAP: gPLink of DC=gpa,DC=test") == 0);
}

TEST_CASE("groupPolicyContainers: attributes, INTEGER syntax, malformed entries")
{
    std::vector<DirectoryEntry> gpcs = {
        entry("CN={31B2F340-016D-11D2-945F-00C04FB984F9},CN=Policies,CN=System,DC=gpa,DC=test",
              {{"cn", {"{31b2f340-016d-11d2-945f-00c04fb984f9}"}},
               {"displayname", {"Default Domain Policy"}},
               {"gpcfilesyspath", {"\\\\gpa.test\\sysvol\\gpa.test\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}"}},
               {"versionnumber", {"65539"}},
               {"flags", {"-1"}}, // INTEGER: a negative value keeps its bit pattern
               {"gpcmachineextensionnames",
                {"[{F3CCC681-B74C-4060-9F26-CD84525DCA2A}{0F3F3735-573D-9804-99E4-"
                 "AB2A69BA5FD4}]"}},
               {"ntsecuritydescriptor", {std::string("\x01\x00\x04\x80", 4)}}}),
        entry("CN={6AC1786C-016F-11D2-945F-00C04FB984F9},CN=Policies,CN=System,DC=gpa,DC=test",
              {{"cn", {"{6AC1786C-016F-11D2-945F-00C04FB984F9}"}}}),
    };
    auto containers = readContainers(gpcs);
    REQUIRE(containers);
    REQUIRE(containers->size() == 2);
    const auto &c = (*containers)[0];
    CHECK(c.guid == "31B2F340-016D-11D2-945F-00C04FB984F9");
    CHECK(c.displayName == "Default Domain Policy");
    CHECK(c.versionNumber == 65539U);
    CHECK(c.flags == 0xFFFFFFFFU);
    CHECK(c.machineExtensionNames.find("F3CCC681") != std::string::npos);
    CHECK(c.securityDescriptor.size() == 4);
    CHECK((*containers)[1].versionNumber == 0); // absent: 0
    CHECK((*containers)[1].flags == 0);

    auto noName = gpcs;
    noName[1].attributes["cn"] = {"not a guid"};
    CHECK(readContainers(noName).error().message ==
          "LDAP: groupPolicyContainer CN={6AC1786C-016F-11D2-945F-00C04FB984F9},CN=Policies,CN=System,DC=gpa,DC=test "
          "has no {GUID} name");
    // The error names the attribute that is wrong (flags), not another one.
    auto badFlags = gpcs;
    badFlags[0].attributes["flags"] = {"0x2"};
    CHECK(readContainers(badFlags).error().message.find("LDAP: flags of CN={31B2F340") == 0);
    auto badVersion = gpcs;
    badVersion[0].attributes["versionnumber"] = {""};
    CHECK(readContainers(badVersion).error().message.find("LDAP: versionNumber of CN={31B2F340") == 0);
}

TEST_CASE("the security token: the computer's SID and tokenGroups")
{
    const std::string dn = "CN=LINUX1,OU=Servers,DC=gpa,DC=test";
    std::vector<DirectoryEntry> answer = {
        entry(dn, {{"tokengroups", {binarySid(5, {21, 1, 2, 3, 515}), binarySid(5, {32, 545})}}})};
    auto groups = readTokenGroups(answer, dn);
    REQUIRE(groups);
    CHECK(*groups == std::vector<std::string>{"S-1-5-21-1-2-3-515", "S-1-5-32-545"});
    // No tokenGroups attribute: no groups (a computer in none); no entry at all: an error.
    CHECK(readTokenGroups({entry(dn, {})}, dn)->empty());
    CHECK(readTokenGroups({}, dn).error().message == "LDAP: cannot read tokenGroups of " + dn);
    auto bad = answer;
    bad[0].attributes["tokengroups"].push_back("\x01");
    CHECK(readTokenGroups(bad, dn).error().message.find("LDAP: tokenGroups of " + dn + ": ") == 0);

    auto token = securityToken("S-1-5-21-1-2-3-1105", {"S-1-5-21-1-2-3-515", "garbage"});
    REQUIRE(token.size() == 2); // a cached text SID that does not parse is left out
    CHECK(token[0].str() == "S-1-5-21-1-2-3-1105");
    CHECK(token[1].str() == "S-1-5-21-1-2-3-515");
}

TEST_CASE("what the discovery asks, from what the last sync learnt")
{
    const KnownDiscovery known{"S-1-5-21-1-2-3-1105", true, 1000, "Default-First-Site-Name", "DC=gpa,DC=test"};
    // Nothing changed: no tokenGroups, no ping, the known site's links.
    auto same = discoveryNeeds(known, "", false, 1000);
    CHECK_FALSE(same.token);
    CHECK_FALSE(same.ping);
    CHECK(same.site == "Default-First-Site-Name");
    // A new ticket: the groups and the site again (Windows takes both from the new logon).
    auto renewed = discoveryNeeds(known, "", true, 2000);
    CHECK(renewed.token);
    CHECK(renewed.ping);
    // Another ticket than the one the groups were read with (another process renewed it).
    CHECK(discoveryNeeds(known, "", false, 2000).token);
    // A configured site: no ping for the site, even with a new ticket; the forest known.
    auto configured = discoveryNeeds(known, "Branch", true, 2000);
    CHECK_FALSE(configured.ping);
    CHECK(configured.site == "Branch");
    // First sync: everything.
    auto first = discoveryNeeds({}, "", false, 1000);
    CHECK(first.token);
    CHECK(first.ping);
    CHECK(first.site.empty());
    // The forest unknown: a ping even with a configured site.
    auto noForest = known;
    noForest.forestDn.clear();
    CHECK(discoveryNeeds(noForest, "Branch", false, 1000).ping);
}
