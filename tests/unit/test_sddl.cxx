// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/linux/translate.hxx"
#include "core/policy/sddl.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;

namespace {
Sacl parse(std::string_view text)
{
    auto sacl = parseSacl(text, {"audit.csv", 3, 10});
    if (!sacl)
        FAIL(sacl.error().str());
    return *sacl;
}
} // namespace

TEST_CASE("SDDL: the MS-GPAC 4.4 SACL")
{
    auto sacl = parse("S:(AU;SA;FA;;;WD)");
    REQUIRE(sacl.aces.size() == 1);
    const auto &ace = sacl.aces[0];
    CHECK(ace.type == AceType::Audit);
    CHECK(ace.auditsSuccess());
    CHECK_FALSE(ace.auditsFailure());
    CHECK(ace.accessMask == 0x1F01FF);
    CHECK(ace.trustee.sid == "S-1-1-0");
    CHECK(ace.trustee.alias == "WD");
}

TEST_CASE("SDDL: flags, hex and letter rights, SID trustees, other parts")
{
    auto sacl = parse("O:BAG:SYD:PAI(A;;FA;;;SY)S:AI(AU;SAFACIOI;0x120089;;;S-1-5-21-1-2-3-1104)(AU;FA;FWGR;;;BA)");
    REQUIRE(sacl.aces.size() == 2);
    CHECK(sacl.aces[0].flags ==
          (aceflag::SuccessfulAccess | aceflag::FailedAccess | aceflag::ContainerInherit | aceflag::ObjectInherit));
    CHECK(sacl.aces[0].accessMask == 0x120089);
    CHECK(sacl.aces[0].trustee.sid == "S-1-5-21-1-2-3-1104");
    CHECK(sacl.aces[1].accessMask == (0x120116U | access::GenericRead));
    CHECK(sacl.aces[1].trustee.sid == "S-1-5-32-544");
}

TEST_CASE("SDDL: object audit ACEs and ignored ACE types")
{
    auto sacl = parse("S:(OU;SA;RP;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)(ML;;NW;;;LW)");
    REQUIRE(sacl.aces.size() == 1);
    CHECK(sacl.aces[0].type == AceType::ObjectAudit);
    CHECK(sacl.aces[0].objectGuid == "BF967ABA-0DE6-11D0-A285-00AA003049E2");
    REQUIRE(sacl.notes.size() == 1);
    CHECK(sacl.notes[0].message.find("ML") != std::string::npos);
}

TEST_CASE("SDDL: duplicate ACEs are stored once (MS-GPAC 3.2.5)")
{
    auto sacl = parse("S:(AU;SA;FA;;;WD)(AU;SA;FA;;;WD)(AU;SA;0x1f01ff;;;S-1-1-0)");
    CHECK(sacl.aces.size() == 1); // WD and S-1-1-0 are the same trustee
}

TEST_CASE("SDDL: errors carry the column inside the line")
{
    auto missing = parseSacl("D:(A;;FA;;;WD)", {"audit.csv", 7, 40});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("no SACL") != std::string::npos);
    auto badType = parseSacl("S:(A;;FA;;;WD)", {"audit.csv", 7, 40});
    REQUIRE_FALSE(badType);
    CHECK(badType.error().where.line == 7);
    CHECK(badType.error().where.column == 43);
    CHECK_FALSE(parseSacl("S:(AU;SA;ZZ;;;WD)", {}));
    CHECK_FALSE(parseSacl("S:(AU;XX;FA;;;WD)", {}));
    CHECK_FALSE(parseSacl("S:(AU;SA;FA;;;QQ)", {}));
    CHECK_FALSE(parseSacl("S:(AU;SA;FA;;;WD", {}));
    CHECK_FALSE(parseSacl("S:(AU;SA;FA;;WD)", {}));
    CHECK_FALSE(parseSacl("S:(AU;SA;FA;;;WD)junk", {}));
    CHECK_FALSE(parseSacl("S:(AU;SA;FA;;;WD)S:(AU;SA;FA;;;WD)", {}));
    CHECK_FALSE(parseSacl("S:(AU;SA;0xZZ;;;WD)", {}));
    CHECK_FALSE(parseSacl("S:(AU;SA;FA;not-a-guid;;WD)", {}));
}

TEST_CASE("SDDL: domain-relative aliases keep their RID")
{
    auto sacl = parse("S:(AU;FA;FA;;;DA)");
    REQUIRE(sacl.aces.size() == 1);
    CHECK(sacl.aces[0].trustee.sid.empty());
    CHECK(sacl.aces[0].trustee.domainRid == 512);
}

TEST_CASE("access mask -> perm letters")
{
    CHECK(permFromAccessMask(0x1F01FF) == "rwxa"); // FA
    CHECK(permFromAccessMask(0x120089) == "r");    // FR
    CHECK(permFromAccessMask(0x120116) == "wa");   // FW
    CHECK(permFromAccessMask(0x1200A0) == "x");    // FX
    CHECK(permFromAccessMask(access::GenericAll) == "rwxa");
    CHECK(permFromAccessMask(access::GenericWrite) == "wa");
    CHECK(permFromAccessMask(0x10000) == "w"); // DELETE
    CHECK(permFromAccessMask(0x40000) == "a"); // WRITE_DAC
    CHECK(permFromAccessMask(0x20000) == "");  // READ_CONTROL alone: nothing Linux can select
}
