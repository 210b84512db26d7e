// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 16: Samba's JSON audit records as Windows Security events (core/events/samba). The log in
// data/lab-dc.log is real: the lab DC with the audit classes on, while kinit (good and wrong password),
// samba-tool user/group add, addmembers, setpassword, an LDAP modify and deletes ran against it.
#include "core/events/samba.hxx"

#include <doctest/doctest.h>
#include <fstream>
#include <map>
#include <sstream>

using namespace gpaudit::core::events;

namespace {

std::vector<WindowsEvent> renderAll(const std::string &text, SambaRenderer &renderer)
{
    std::vector<WindowsEvent> out;
    std::istringstream in(text);
    std::string line;
    std::uint64_t n = 0;
    while (std::getline(in, line))
        for (auto &e : renderer.line(line, ++n))
            out.push_back(std::move(e));
    return out;
}

std::string field(const WindowsEvent &e, std::string_view name)
{
    for (const auto &f : e.data)
        if (f.name == name)
            return f.value;
    return "<absent>";
}

const WindowsEvent *find(const std::vector<WindowsEvent> &events, std::uint32_t id, std::string_view key = {},
                         std::string_view value = {})
{
    for (const auto &e : events)
        if (e.eventId == id && (key.empty() || field(e, key) == value))
            return &e;
    return nullptr;
}

std::string labLog()
{
    std::ifstream in(GPAUDIT_SAMBA_TEST_DATA "/lab-dc.log");
    REQUIRE(in);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

} // namespace

TEST_CASE("timestamps and status codes")
{
    std::int64_t s = 0;
    std::uint32_t ms = 0;
    REQUIRE(parseSambaTimestamp("2026-12-02T01:46:36.380765+0000", s, ms));
    CHECK(s == 1796175996);
    CHECK(ms == 380);
    REQUIRE(parseSambaTimestamp("2026-12-02T02:46:36.3+0100", s, ms));
    CHECK(s == 1796175996);
    CHECK(ms == 300);
    CHECK_FALSE(parseSambaTimestamp("2026-13-02T01:46:36", s, ms));
    CHECK_FALSE(parseSambaTimestamp("yesterday", s, ms));
    CHECK(ntStatusCode("NT_STATUS_WRONG_PASSWORD") == "0xc000006a");
    CHECK(ntStatusCode("NT_STATUS_OK") == "0x0");
    CHECK(slugOfEventId(4728) == "security-group-management");
    CHECK(slugOfEventId(4751) == "distribution-group-management");
    CHECK(slugOfEventId(4624).empty());
}

TEST_CASE("the lab DC's real records")
{
    SambaRenderer renderer("dc1.gpa.test");
    const auto events = renderAll(labLog(), renderer);
    CHECK(renderer.records() == 20);
    std::map<std::uint32_t, int> count;
    for (const auto &e : events)
        ++count[e.eventId];
    for (const auto &[id, n] : count)
        MESSAGE(id << ": " << n);

    SUBCASE("kinit: a TGT (4768) and a failed pre-authentication (4771)")
    {
        const auto *tgt = find(events, 4768);
        REQUIRE(tgt != nullptr);
        CHECK(tgt->success);
        CHECK(tgt->subcategory == "kerberos-authentication-service");
        CHECK(field(*tgt, "TargetUserName") == "Administrator");
        CHECK(field(*tgt, "TargetDomainName") == "GPA.TEST");
        CHECK(field(*tgt, "TargetSid") == "S-1-5-21-4020235803-3261621935-679420066-500");
        CHECK(field(*tgt, "ServiceSid") == "S-1-5-21-4020235803-3261621935-679420066-502");
        CHECK(field(*tgt, "TicketEncryptionType") == "0x12");
        CHECK(field(*tgt, "PreAuthType") == "2");
        CHECK(field(*tgt, "IpAddress") == "::ffff:127.0.0.1");
        CHECK(field(*tgt, "Status") == "0x0");
        CHECK(tgt->note.find("TicketOptions") != std::string::npos);
        const auto *failed = find(events, 4771);
        REQUIRE(failed != nullptr);
        CHECK_FALSE(failed->success);
        CHECK(field(*failed, "Status") == "0x18");
        CHECK(field(*failed, "TargetUserName") == "Administrator");
    }
    SUBCASE("samba-tool user add / setpassword / enable / delete")
    {
        const auto *created = find(events, 4720, "TargetUserName", "sdprobe1");
        REQUIRE(created != nullptr);
        CHECK(created->subcategory == "user-account-management");
        // the subject's name comes from the Administrator's authentication earlier in the log
        CHECK(field(*created, "SubjectUserSid") == "S-1-5-21-4020235803-3261621935-679420066-500");
        CHECK(field(*created, "SubjectUserName") == "Administrator");
        CHECK(field(*created, "SubjectDomainName") == "GPA");
        CHECK(find(events, 4724, "TargetUserName", "sdprobe1") != nullptr); // Samba's eventId: reset
        CHECK(find(events, 4722, "TargetUserName", "sdprobe1") != nullptr); // UAC 546 -> 512: enabled
        CHECK(find(events, 4726, "TargetUserName", "sdprobe1") != nullptr); // deleted (class from its add)
        CHECK(find(events, 4738, "TargetUserName", "sdprobe1") != nullptr); // description changed
    }
    SUBCASE("groups: created, member added, deleted")
    {
        CHECK(find(events, 4727, "TargetUserName", "sdprobeg") != nullptr); // global security group
        const auto *added = find(events, 4728, "TargetUserName", "sdprobeg");
        REQUIRE(added != nullptr);
        CHECK(field(*added, "MemberName") == "CN=sdprobe1,CN=Users,DC=gpa,DC=test");
        CHECK(find(events, 4730, "TargetUserName", "sdprobeg") != nullptr);
    }
    SUBCASE("directory changes: 5137, 5136 per value, 5141; 4662 for each write")
    {
        const auto *created = find(events, 5137, "ObjectDN", "CN=sdprobe1,CN=Users,DC=gpa,DC=test");
        REQUIRE(created != nullptr);
        CHECK(field(*created, "ObjectClass") == "user");
        CHECK(field(*created, "DSName") == "gpa.test");
        const auto *modified = find(events, 5136, "AttributeLDAPDisplayName", "description");
        REQUIRE(modified != nullptr);
        CHECK(field(*modified, "AttributeValue") == "probe");
        CHECK(field(*modified, "OperationType") == "%%14674");
        const auto *password = find(events, 5136, "AttributeLDAPDisplayName", "unicodePwd");
        REQUIRE(password != nullptr);
        CHECK(field(*password, "AttributeValue") == "<redacted by Samba>");
        CHECK(find(events, 5141, "ObjectDN", "CN=sdprobeg,CN=Users,DC=gpa,DC=test") != nullptr);
        CHECK(count[4662] == 9); // one per dsdbChange record but the DC's two lastLogon/logonCount updates
        CHECK(find(events, 4662, "ObjectName", "CN=Administrator,CN=Users,DC=gpa,DC=test") == nullptr);
    }
    SUBCASE("JSON output carries the note")
    {
        const auto json = toJson(*find(events, 4768));
        CHECK(json.find("\"EventID\":4768") != std::string::npos);
        CHECK(json.find("\"Note\":\"approximate: ") != std::string::npos);
    }
}

TEST_CASE("records the lab does not produce")
{
    SambaRenderer renderer("dc1.gpa.test");
    SUBCASE("NTLM authentication: 4776 with the NTSTATUS")
    {
        const auto events = renderer.line(
            R"({"timestamp": "2026-12-02T01:00:00.000000+0000", "type": "Authentication", "Authentication": )"
            R"({"eventId": 4625, "status": "NT_STATUS_WRONG_PASSWORD", "remoteAddress": "ipv4:10.0.0.5:5000", )"
            R"("serviceDescription": "SMB2", "authDescription": null, "clientDomain": "GPA", "clientAccount": "bob", )"
            R"("workstation": "WS1", "becameAccount": null, "passwordType": "NTLMv2"}})",
            7);
        REQUIRE(events.size() == 1);
        CHECK(events[0].eventId == 4776);
        CHECK_FALSE(events[0].success);
        CHECK(field(events[0], "Status") == "0xc000006a");
        CHECK(field(events[0], "Workstation") == "WS1");
        CHECK(events[0].note.empty());
        CHECK(events[0].recordId == 7);
    }
    SUBCASE("an unknown user at the KDC: 4768 failure 0x6")
    {
        const auto events = renderer.line(
            R"(samba[1]: {"timestamp": "2026-12-02T01:00:00+0000", "type": "Authentication", "Authentication": )"
            R"({"status": "NT_STATUS_NO_SUCH_USER", "serviceDescription": "Kerberos KDC", "clientAccount": "nobody@GPA.TEST"}})",
            1);
        REQUIRE(events.size() == 1);
        CHECK(events[0].eventId == 4768);
        CHECK(field(events[0], "Status") == "0x6");
    }
    SUBCASE("a krb5 authorization: 4769, approximate")
    {
        const auto events = renderer.line(
            R"({"timestamp": "2026-12-02T01:00:00+0000", "type": "Authorization", "Authorization": )"
            R"({"serviceDescription": "LDAP", "authType": "krb5", "account": "LINUX1$", "domain": "GPA", "sid": "S-1-5-21-1-2-3-1103", )"
            R"("remoteAddress": "ipv4:127.0.0.1:4000", "sessionId": "abc"}})",
            1);
        REQUIRE(events.size() == 1);
        CHECK(events[0].eventId == 4769);
        CHECK(field(events[0], "ServiceName") == "ldap/dc1.gpa.test");
        CHECK(events[0].note.find("no TGS") != std::string::npos);
    }
    SUBCASE("a replicated batch: 4933")
    {
        const auto events = renderer.line(
            R"({"timestamp": "2026-12-02T01:00:00+0000", "type": "replicatedUpdate", "replicatedUpdate": )"
            R"({"statusCode": 0, "objectCount": 3, "linkCount": 0, "partitionDN": "DC=gpa,DC=test", "errorCode": 0, "sourceDsa": "g"}})",
            1);
        REQUIRE(events.size() == 1);
        CHECK(events[0].eventId == 4933);
        CHECK(events[0].subcategory == "directory-service-replication");
        CHECK(field(events[0], "NamingContext") == "DC=gpa,DC=test");
    }
    SUBCASE("a refused write: 4662 failure, no change event")
    {
        const auto events = renderer.line(
            R"({"timestamp": "2026-12-02T01:00:00+0000", "type": "dsdbChange", "dsdbChange": )"
            R"({"statusCode": 50, "status": "Insufficient access rights", "operation": "Modify", "dn": "CN=x,DC=gpa,DC=test", )"
            R"("userSid": "S-1-5-21-1-2-3-1104", "attributes": {"description": {"actions": [{"action": "replace", "values": [{"value": "v"}]}]}}}})",
            1);
        REQUIRE(events.size() == 1);
        CHECK(events[0].eventId == 4662);
        CHECK_FALSE(events[0].success);
        CHECK(field(events[0], "SubjectUserName") == "-");
        CHECK(events[0].note.find("no authentication of S-1-5-21-1-2-3-1104") != std::string::npos);
    }
    SUBCASE("a distribution group and a computer")
    {
        auto events = renderer.line(
            R"({"timestamp": "2026-12-02T01:00:00+0000", "type": "dsdbChange", "dsdbChange": {"statusCode": 0, "operation": "Add", )"
            R"("dn": "CN=news,DC=gpa,DC=test", "attributes": {"objectClass": {"actions": [{"action": "add", "values": [{"value": "group"}]}]}, )"
            R"("groupType": {"actions": [{"action": "add", "values": [{"value": "8"}]}]}}}})",
            1);
        CHECK(find(events, 4759) != nullptr); // universal distribution group created
        events = renderer.line(
            R"({"timestamp": "2026-12-02T01:00:00+0000", "type": "dsdbChange", "dsdbChange": {"statusCode": 0, "operation": "Add", )"
            R"("dn": "CN=WS9,DC=gpa,DC=test", "attributes": {"objectClass": {"actions": [{"action": "add", "values": [{"value": "computer"}]}]}}}})",
            2);
        CHECK(find(events, 4741) != nullptr);
    }
    SUBCASE("other lines are skipped, and oversized or broken JSON too")
    {
        CHECK(renderer.line("[2026/12/02 01:46:36.210739,  0] ../../source4/lib/messaging/messaging.c:187", 1).empty());
        CHECK(renderer.line(R"({"timestamp": "x", "type": "dsdbChange", "dsdbChange": )", 1).empty());
        CHECK(renderer.line(std::string(kMaxSambaLine + 1, ' ') + R"({"timestamp": "x"})", 1).empty());
        CHECK(renderer.records() == 0);
    }
}
