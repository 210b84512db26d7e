// SPDX-License-Identifier: GPL-2.0-or-later
// Merge: MS-GPOL precedence, legacy [Event Audit], options, global SACLs, per-user rows.
#include "helpers.hxx"

using namespace gpaudit::core;
using test::kHeader;
using test::row;

namespace {
const SubcategoryResult &result(const Resultant &r, std::string_view slug)
{
    return r.subcategories[test::indexOf(slug)];
}
Resultant mergeOf(const std::vector<GpoInput> &gpos, LegacyMode mode = LegacyMode::Auto)
{
    return merge(test::data().catalog, gpos, mode);
}
constexpr const char *kLegacyOff =
    "[Registry Values]\nMACHINE\\System\\CurrentControlSet\\Control\\Lsa\\SCENoApplyLegacyAuditPolicy=4,1\n";
} // namespace

TEST_CASE("the highest-precedence GPO that configures a subcategory wins outright")
{
    const std::vector<GpoInput> gpos = {
        test::gpo("Low", std::string(kHeader) + row("process-creation", 3) + row("logon", 1)),
        test::gpo("High", std::string(kHeader) + row("process-creation", 1) + row("logoff", 4)),
    };
    auto r = mergeOf(gpos);
    CHECK(result(r, "process-creation").value == value::Success); // not OR-ed with Low's 3
    CHECK(result(r, "process-creation").source.name == "High");
    CHECK(result(r, "logon").value == value::Success);
    CHECK(result(r, "logon").source.name == "Low");
    CHECK(result(r, "logoff").value == value::None);
    CHECK(result(r, "special-logon").origin == Origin::NotConfigured);
}

TEST_CASE("value 0 is 'unchanged': a lower GPO's setting stays (MS-GPAC 2.2.1.3.1)")
{
    const std::vector<GpoInput> gpos = {
        test::gpo("Low", std::string(kHeader) + row("logon", 2)),
        test::gpo("High", std::string(kHeader) + row("logon", 0)),
    };
    auto r = mergeOf(gpos);
    CHECK(result(r, "logon").value == value::Failure);
    CHECK(result(r, "logon").source.name == "Low");
}

TEST_CASE("legacy [Event Audit] sets the whole category; advanced settings override per subcategory")
{
    const std::vector<GpoInput> gpos = {
        test::gpo("Legacy", "", "[Event Audit]\nAuditProcessTracking = 1\nAuditLogonEvents = 0\n"),
        test::gpo("Advanced", std::string(kHeader) + row("process-termination", 2)),
    };
    auto r = mergeOf(gpos);
    CHECK(r.legacyApplied);
    CHECK(result(r, "process-creation").value == value::Success);
    CHECK(result(r, "process-creation").origin == Origin::Legacy);
    CHECK(result(r, "process-creation").legacyKey == "AuditProcessTracking");
    CHECK(result(r, "token-right-adjusted-events").value == value::Success);
    CHECK(result(r, "process-termination").value == value::Failure);
    CHECK(result(r, "process-termination").origin == Origin::Advanced);
    // [Event Audit] 0 means "No auditing", not "not configured".
    CHECK(result(r, "logon").value == value::None);
    CHECK(result(r, "logon").origin == Origin::Legacy);
    CHECK(result(r, "group-membership").value == value::None);
}

TEST_CASE("SCENoApplyLegacyAuditPolicy=1 in the resultant policy switches legacy off (MS-GPSB, MS-GPAC 5.1)")
{
    const std::vector<GpoInput> gpos = {
        test::gpo("Legacy", "", "[Event Audit]\nAuditProcessTracking = 3\n"),
        test::gpo("Switch", "", kLegacyOff),
    };
    auto r = mergeOf(gpos);
    CHECK_FALSE(r.legacyApplied);
    CHECK(result(r, "process-creation").origin == Origin::NotConfigured);
    REQUIRE(r.sceNoApplyLegacyAuditPolicy);
    CHECK(r.sceNoApplyLegacyAuditPolicy->source.name == "Switch");

    SUBCASE("a higher GPO setting it to 0 wins over a lower 1")
    {
        const std::vector<GpoInput> more = {
            gpos[0], gpos[1],
            test::gpo("Override", "",
                      "[Registry Values]\nMACHINE\\System\\CurrentControlSet\\Control\\Lsa\\"
                      "SCENoApplyLegacyAuditPolicy=4,0\n")};
        auto r2 = mergeOf(more);
        CHECK(r2.legacyApplied);
        CHECK(result(r2, "process-creation").value == value::SuccessAndFailure);
    }
    SUBCASE("the local switch forces either way")
    {
        CHECK(mergeOf(gpos, LegacyMode::Apply).legacyApplied);
        auto plain = std::vector<GpoInput>{gpos[0]};
        CHECK_FALSE(mergeOf(plain, LegacyMode::Ignore).legacyApplied);
        CHECK(result(mergeOf(plain, LegacyMode::Ignore), "process-creation").origin == Origin::NotConfigured);
    }
}

TEST_CASE("legacy keys merge by precedence too")
{
    const std::vector<GpoInput> gpos = {
        test::gpo("Low", "", "[Event Audit]\nAuditProcessTracking = 3\nAuditSystemEvents = 1\n"),
        test::gpo("High", "", "[Event Audit]\nAuditProcessTracking = 2\n"),
    };
    auto r = mergeOf(gpos);
    CHECK(result(r, "process-creation").value == value::Failure);
    CHECK(result(r, "process-creation").source.name == "High");
    CHECK(result(r, "security-state-change").value == value::Success);
    CHECK(result(r, "security-state-change").source.name == "Low");
}

TEST_CASE("options: the highest GPO with the option row wins, 0 included")
{
    const std::vector<GpoInput> gpos = {
        test::gpo("Low", std::string(kHeader) +
                             "H,,Option:CrashOnAuditFail,,Enabled,,1\r\nH,,Option:AuditBaseObjects,,Enabled,,1\r\n"),
        test::gpo("High", std::string(kHeader) + "H,,Option:CrashOnAuditFail,,Disabled,,0\r\n"),
    };
    auto r = mergeOf(gpos);
    REQUIRE(r.options[0]);
    CHECK_FALSE(r.options[0]->enabled);
    CHECK(r.options[0]->source.name == "High");
    CHECK(r.optionEnabled(AuditOption::AuditBaseObjects));
    CHECK_FALSE(r.options[1]);
}

TEST_CASE("global SACL ACEs are unioned across GPOs, each with the highest GPO carrying it")
{
    const std::vector<GpoInput> gpos = {
        test::gpo("Low", std::string(kHeader) + "H,,FileGlobalSacl,,,,S:(AU;SA;FW;;;WD)(AU;FA;FA;;;BA)\r\n"),
        test::gpo("High", std::string(kHeader) + "H,,FileGlobalSacl,,,,S:(AU;SA;FW;;;S-1-1-0)\r\n"),
    };
    auto r = mergeOf(gpos);
    REQUIRE(r.fileGlobalSacl.size() == 2);
    CHECK(r.fileGlobalSacl[0].source.name == "High");
    CHECK(r.fileGlobalSacl[1].source.name == "Low");
}

TEST_CASE("per-user rows: precedence per (SID, subcategory), Include Failure default for the rest (<6>)")
{
    const std::string sid = "S-1-5-21-1-2-3-1001";
    const std::vector<GpoInput> gpos = {
        test::gpo("Low", std::string(kHeader) + row("file-system", 9, sid) + row("logon", 2, sid)),
        test::gpo("High", std::string(kHeader) + row("file-system", 16, sid)),
    };
    auto r = mergeOf(gpos);
    std::size_t explicitCount = 0;
    for (const auto &user : r.perUser) {
        CHECK(user.sid.str() == sid);
        if (user.implicit) {
            CHECK(user.value == userbits::IncludeFailure);
            continue;
        }
        ++explicitCount;
        if (user.subcategory == test::indexOf("file-system")) {
            CHECK(user.value == userbits::None);
            CHECK(user.source.name == "High");
        } else {
            CHECK(user.subcategory == test::indexOf("logon"));
            CHECK(user.value == 2);
        }
    }
    CHECK(explicitCount == 2);
    CHECK(r.perUser.size() == test::data().catalog.subcategories().size());
}

TEST_CASE("no GPOs: nothing configured")
{
    auto r = mergeOf({});
    for (const auto &s : r.subcategories)
        CHECK(s.origin == Origin::NotConfigured);
    CHECK(r.legacyApplied);
}
