// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/identifiers.hxx"
#include "core/base/text.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;

TEST_CASE("decodeText: UTF-8 with and without BOM")
{
    auto plain = decodeText(std::string_view("a=1\r\n"), "f");
    REQUIRE(plain);
    CHECK(plain->utf8 == "a=1\r\n");
    CHECK(plain->encoding == Encoding::Utf8);
    auto bom = decodeText(std::string_view("\xEF\xBB\xBFx"), "f");
    REQUIRE(bom);
    CHECK(bom->utf8 == "x");
    CHECK(bom->encoding == Encoding::Utf8Bom);
}

TEST_CASE("decodeText: UTF-16LE with BOM, without BOM, and UTF-16BE")
{
    const std::string le("\xFF\xFE[\0U\0]\0\xE9\0", 10);
    auto decoded = decodeText(le, "f");
    REQUIRE(decoded);
    CHECK(decoded->utf8 == "[U]\xC3\xA9");
    CHECK(decoded->encoding == Encoding::Utf16Le);
    const std::string noBom("[\0U\0]\0", 6);
    auto decodedNoBom = decodeText(noBom, "f");
    REQUIRE(decodedNoBom);
    CHECK(decodedNoBom->utf8 == "[U]");
    const std::string be("\xFE\xFF\0A\0B", 6);
    auto decodedBe = decodeText(be, "f");
    REQUIRE(decodedBe);
    CHECK(decodedBe->utf8 == "AB");
    // Surrogate pair: U+1F600
    const std::string pair("\xFF\xFE\x3D\xD8\x00\xDE", 6);
    auto emoji = decodeText(pair, "f");
    REQUIRE(emoji);
    CHECK(emoji->utf8 == "\xF0\x9F\x98\x80");
}

TEST_CASE("decodeText: invalid input names line and column")
{
    auto badUtf8 = decodeText(std::string_view("ok\nab\xFF"), "x.csv");
    REQUIRE_FALSE(badUtf8);
    CHECK(badUtf8.error().where.file == "x.csv");
    CHECK(badUtf8.error().where.line == 2);
    CHECK(badUtf8.error().where.column == 3);
    CHECK_FALSE(decodeText(std::string("\xFF\xFE\x00\xDC", 4), "f")); // lone low surrogate
    CHECK_FALSE(decodeText(std::string("\xFF\xFE\x41", 3), "f"));     // odd length
    CHECK_FALSE(decodeText(std::string_view("\xC0\x80"), "f"));       // overlong
}

TEST_CASE("splitLines: CRLF and LF read the same")
{
    auto a = splitLines("x\r\ny\r\n");
    auto b = splitLines("x\ny");
    REQUIRE(a.size() == 2);
    REQUIRE(b.size() == 2);
    CHECK(a[0] == b[0]);
    CHECK(a[1] == b[1]);
    CHECK(splitLines("").empty());
}

TEST_CASE("parseDecimal is strict")
{
    std::uint32_t v = 0;
    CHECK(parseDecimal("16", v));
    CHECK(v == 16);
    CHECK_FALSE(parseDecimal("", v));
    CHECK_FALSE(parseDecimal("-1", v));
    CHECK_FALSE(parseDecimal("1 ", v));
    CHECK_FALSE(parseDecimal("0x3", v));
    CHECK_FALSE(parseDecimal("99999999999", v));
}

TEST_CASE("GUIDs: braces, case, canonical form")
{
    CHECK(parseGuid("{0cce922b-69ae-11d9-bed3-505054503030}") == "0CCE922B-69AE-11D9-BED3-505054503030");
    CHECK_FALSE(parseGuid("0CCE922B-69AE-11D9-BED3-505054503030"));
    CHECK(parseGuid("0CCE922B-69AE-11D9-BED3-505054503030", true));
    CHECK_FALSE(parseGuid("{0CCE922B-69AE-11D9-BED3-50505450303Z}"));
    CHECK_FALSE(parseGuid("{0CCE922B69AE-11D9-BED3-5050545030300}"));
}

TEST_CASE("SIDs: MS-DTYP 2.4.2 forms")
{
    auto sid = parseSid("S-1-5-21-2127521184-1604012920-1887927527-123456");
    REQUIRE(sid);
    CHECK(sid->authority == 5);
    CHECK(sid->subAuthorities.size() == 5);
    CHECK(sid->str() == "S-1-5-21-2127521184-1604012920-1887927527-123456");
    auto hex = parseSid("S-1-0x123456789ABC-1");
    REQUIRE(hex);
    CHECK(hex->str() == "S-1-0x123456789ABC-1");
    CHECK_FALSE(parseSid("S-1-5"));
    CHECK_FALSE(parseSid("S-2-5-1"));
    CHECK_FALSE(parseSid("S-1-5-x"));
    CHECK_FALSE(parseSid("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16")); // 16 sub-authorities
    CHECK(parseSid("s-1-5-18"));
}

TEST_CASE("decodeText: Windows-1252 only as a fallback, and only when asked")
{
    const std::string ansi = "Opci\xF3n \x80 \x93x\x94";
    SUBCASE("strict by default")
    {
        CHECK_FALSE(decodeText(ansi, "f"));
    }
    SUBCASE("fallback: every defined byte to its code point")
    {
        auto d = decodeText(ansi, "f", true);
        REQUIRE(d);
        CHECK(d->encoding == Encoding::Windows1252);
        CHECK(d->utf8 == "Opci\xC3\xB3n \xE2\x82\xAC \xE2\x80\x9Cx\xE2\x80\x9D");
        CHECK(encodingName(d->encoding) == "Windows-1252");
    }
    SUBCASE("valid UTF-8 stays UTF-8 with the fallback on")
    {
        auto d = decodeText(std::string("Opci\xC3\xB3n"), "f", true);
        REQUIRE(d);
        CHECK(d->encoding == Encoding::Utf8);
        CHECK(d->utf8 == "Opci\xC3\xB3n");
    }
    SUBCASE("a BOM decides: UTF-8 with BOM that is invalid is not re-read as ANSI")
    {
        CHECK_FALSE(decodeText(std::string("\xEF\xBB\xBF\xF3"), "f", true));
    }
    SUBCASE("undefined bytes are an error with line and column")
    {
        auto d = decodeText(std::string("ab\r\nc\xF3\x8D"), "f", true);
        REQUIRE_FALSE(d);
        CHECK(d.error().where.line == 2);
        CHECK(d.error().where.column == 3);
        CHECK(d.error().message.find("0x8D") != std::string::npos);
    }
}
