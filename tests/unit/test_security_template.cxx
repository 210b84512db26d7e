// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/policy/policy.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;

namespace {
std::string utf16le(std::string_view ascii)
{
    std::string out = "\xFF\xFE";
    for (char c : ascii) {
        out += c;
        out += '\0';
    }
    return out;
}
constexpr std::string_view kTemplate =
    "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n"
    "[Event Audit]\r\nAuditProcessTracking = 3\r\nAuditLogonEvents = 0\r\n"
    "[Registry Values]\r\n"
    "MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\SCENoApplyLegacyAuditPolicy=4,1\r\n";
} // namespace

TEST_CASE("GptTmpl.inf in UTF-16LE with BOM, as Windows writes it")
{
    auto tmpl = parseSecurityTemplate(utf16le(kTemplate), "GptTmpl.inf");
    REQUIRE(tmpl);
    REQUIRE(tmpl->eventAudit.size() == 2);
    CHECK(tmpl->eventAudit.at("AuditProcessTracking").value == 3);
    CHECK(tmpl->eventAudit.at("AuditLogonEvents").value == 0);
    REQUIRE(tmpl->sceNoApplyLegacyAuditPolicy);
    CHECK(tmpl->sceNoApplyLegacyAuditPolicy->value == 1);
}

TEST_CASE("GptTmpl.inf in UTF-8, LF, odd case and spacing")
{
    auto tmpl = parseSecurityTemplate("[event audit]\nauditsystemevents=1\n  AuditAccountLogon =  2  \n", "t");
    REQUIRE(tmpl);
    CHECK(tmpl->eventAudit.at("AuditSystemEvents").value == 1);
    CHECK(tmpl->eventAudit.at("AuditAccountLogon").value == 2);
    CHECK_FALSE(tmpl->sceNoApplyLegacyAuditPolicy);
}

TEST_CASE("other sections are skipped, never misread")
{
    auto tmpl = parseSecurityTemplate("[System Access]\nAuditProcessTracking = 3\nMinimumPasswordAge = x\n"
                                      "[Privilege Rights]\nSeAuditPrivilege = *S-1-5-19\nnot a key value line\n"
                                      "[Registry Values]\nMACHINE\\Other\\Value=4,1\n",
                                      "t");
    REQUIRE(tmpl);
    CHECK(tmpl->eventAudit.empty());
    CHECK_FALSE(tmpl->sceNoApplyLegacyAuditPolicy);
}

TEST_CASE("[Event Audit] errors reject the file with line and column")
{
    auto outOfRange = parseSecurityTemplate("[Event Audit]\nAuditProcessTracking = 5\n", "GptTmpl.inf");
    REQUIRE_FALSE(outOfRange);
    CHECK(outOfRange.error().where.line == 2);
    CHECK(outOfRange.error().where.column == 24);
    CHECK_FALSE(parseSecurityTemplate("[Event Audit]\nAuditProcessTracking = yes\n", "t"));
    CHECK_FALSE(parseSecurityTemplate("[Event Audit]\nAuditProcessTracking\n", "t"));
    CHECK_FALSE(parseSecurityTemplate("[Event Audit\n", "t"));
    CHECK_FALSE(parseSecurityTemplate(
        "[Registry Values]\nMACHINE\\System\\CurrentControlSet\\Control\\Lsa\\SCENoApplyLegacyAuditPolicy=1,1\n", "t"));
    auto unknown = parseSecurityTemplate("[Event Audit]\nAuditSomethingElse = 1\n", "t");
    REQUIRE(unknown);
    CHECK(unknown->warnings.size() == 1);
}
