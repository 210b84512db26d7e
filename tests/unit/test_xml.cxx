// SPDX-License-Identifier: GPL-2.0-or-later
// GPMC backup manifests read with expat (host/files/xml): what GPMC writes, and what a hostile or broken
// manifest gets: a clear error naming file, line and column, never a guess.
#include "host/files/xml.hxx"

#include <doctest/doctest.h>

using gpaudit::host::xmlChildTexts;

namespace {
const std::set<std::string> kBackup = {"ID", "DisplayName", "MachineExtensionGuids"};
}

TEST_CASE("Backup.xml as GPMC writes it: namespaces, CDATA, an empty element")
{
    const std::string xml =
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><!-- Copyright --><GroupPolicyBackupScheme "
        "bkp:version=\"2.0\" xmlns:bkp=\"http://www.microsoft.com/GroupPolicy/GPOOperations\" "
        "xmlns=\"http://www.microsoft.com/GroupPolicy/GPOOperations\"><GroupPolicyObject><SecurityGroups/>"
        "<GroupPolicyCoreSettings><ID><![CDATA[{2B7F4C1D-8E3A-4B5C-9D6E-7F8A9B0C1D2E}]]></ID>"
        "<DisplayName><![CDATA[ES Imported Audit]]></DisplayName><MachineExtensionGuids/>"
        "</GroupPolicyCoreSettings></GroupPolicyObject></GroupPolicyBackupScheme>";
    auto values = xmlChildTexts(xml, "Backup.xml", "GroupPolicyCoreSettings", kBackup);
    REQUIRE(values);
    CHECK(values->at("ID") == "{2B7F4C1D-8E3A-4B5C-9D6E-7F8A9B0C1D2E}");
    CHECK(values->at("DisplayName") == "ES Imported Audit");
    CHECK(values->contains("MachineExtensionGuids"));
    CHECK(values->at("MachineExtensionGuids").empty());
}

TEST_CASE("what find() got wrong: comments, CDATA, references, other parents, nesting, prefixes")
{
    // A decoy in a comment and in another element's CDATA; the real values use references; only the
    // first GroupPolicyCoreSettings counts; text of an element nested in a value is not the value's.
    const std::string xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?>" // decodeText made it UTF-8
                            "<root><!-- <ID>{00000000-0000-0000-0000-000000000000}</ID> -->"
                            "<Note><![CDATA[<DisplayName>decoy</DisplayName>]]></Note>"
                            "<x:GroupPolicyCoreSettings xmlns:x=\"urn:x\">"
                            "<x:DisplayName>A &amp; B &lt;&#x202E;&gt; <b>bold</b>C</x:DisplayName>"
                            "<ID>\n  {2B7F4C1D-8E3A-4B5C-9D6E-7F8A9B0C1D2E}\n</ID><ID>second</ID>"
                            "</x:GroupPolicyCoreSettings>"
                            "<GroupPolicyCoreSettings><MachineExtensionGuids>late</MachineExtensionGuids>"
                            "</GroupPolicyCoreSettings></root>";
    auto values = xmlChildTexts(xml, "Backup.xml", "GroupPolicyCoreSettings", kBackup);
    REQUIRE(values);
    CHECK(values->at("DisplayName") == "A & B <\u202E> C");
    CHECK(values->at("ID") == "\n  {2B7F4C1D-8E3A-4B5C-9D6E-7F8A9B0C1D2E}\n"); // the caller trims
    CHECK_FALSE(values->contains("MachineExtensionGuids"));
}

TEST_CASE("refused: a DTD (entities), a control character, a broken document, an oversized value")
{
    // Billion laughs: refused at the DTD, before any entity is declared or expanded.
    const std::string laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
                               " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n"
                               "<BackupInst><GPODisplayName>&lol2;</GPODisplayName></BackupInst>";
    auto dtd = xmlChildTexts(laughs, "bkupInfo.xml", "BackupInst", {"GPODisplayName"});
    REQUIRE_FALSE(dtd);
    CHECK(dtd.error().where.file == "bkupInfo.xml");
    CHECK(dtd.error().where.line == 2);
    CHECK(dtd.error().message.find("DTD") != std::string::npos);
    // An external entity: never fetched (the DTD is refused first).
    auto external = xmlChildTexts("<!DOCTYPE r SYSTEM \"http://example.com/x.dtd\"><r/>", "x.xml", "r", {});
    REQUIRE_FALSE(external);
    // ESC is not an XML 1.0 character, not even in CDATA: the file is broken, not a name.
    auto escape = xmlChildTexts("<BackupInst>\n<GPODisplayName><![CDATA[a\x1b[2Jb]]></GPODisplayName></BackupInst>",
                                "bkupInfo.xml", "BackupInst", {"GPODisplayName"});
    REQUIRE_FALSE(escape);
    CHECK(escape.error().where.line == 2);
    CHECK(escape.error().where.column > 1);
    CHECK(escape.error().message.find("not well-formed") != std::string::npos);
    CHECK_FALSE(xmlChildTexts("<a><b></a>", "x.xml", "a", {"b"}));
    CHECK_FALSE(xmlChildTexts("", "x.xml", "a", {"b"}));
    CHECK_FALSE(xmlChildTexts("<a>&undefined;</a>", "x.xml", "a", {}));
    const std::string big = "<a><b>" + std::string(gpaudit::host::kMaxXmlValue + 1, 'x') + "</b></a>";
    auto oversized = xmlChildTexts(big, "x.xml", "a", {"b"});
    REQUIRE_FALSE(oversized);
    CHECK(oversized.error().message.find("element b is longer than") != std::string::npos);
}
