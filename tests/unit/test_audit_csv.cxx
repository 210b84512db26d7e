// SPDX-License-Identifier: GPL-2.0-or-later
// audit.csv parsing: MS-GPAC 2.2 and 3.2.5, the section 4 examples, and the real-world variants.
#include "helpers.hxx"

#include <cstdlib>
#include <fstream>

using namespace gpaudit::core;
using test::kHeader;

namespace {
gpaudit::Result<AuditCsv> parse(const std::string &text)
{
    return parseAuditCsv(text, "audit.csv", test::data().catalog);
}
std::uint8_t systemValue(const AuditCsv &csv, std::string_view slug)
{
    const auto guid = test::guidOf(slug).substr(1, 36);
    for (const auto &s : csv.system)
        if (s.subcategory == guid)
            return s.value;
    return 255;
}
} // namespace

TEST_CASE("MS-GPAC 4.1: system audit subcategory settings")
{
    auto csv = test::csv(
        std::string(kHeader) +
        "TEST-MACHINE,System,IPsec Driver,{0CCE9213-69AE-11D9-BED3-505054503030},No Auditing,,0\r\n"
        "TEST-MACHINE,System,System Integrity,{0CCE9212-69AE-11D9-BED3-505054503030},Success,,1\r\n"
        "TEST-MACHINE,System,IPsec Extended Mode,{0CCE921A-69AE-11D9-BED3-505054503030},Success and Failure,,3\r\n"
        "TEST-MACHINE,System,File System,{0CCE921D-69AE-11D9-BED3-505054503030},Not specified,,0\r\n");
    REQUIRE(csv.system.size() == 4);
    CHECK(systemValue(csv, "ipsec-driver") == 0);
    CHECK(systemValue(csv, "system-integrity") == 1);
    CHECK(systemValue(csv, "ipsec-extended-mode") == 3);
    CHECK(systemValue(csv, "file-system") == 0);
    CHECK(csv.perUser.empty());
    CHECK(csv.warnings.empty());
}

TEST_CASE("MS-GPAC 4.2: per-user settings (include success + exclude failure = 9)")
{
    auto csv =
        test::csv(std::string(kHeader) + "TEST-MACHINE,S-1-5-21-2127521184-1604012920-1887927527-123456,File System,"
                                         "{0CCE921D-69AE-11D9-BED3-505054503030},Success,Failure,9\r\n");
    CHECK(csv.system.empty());
    REQUIRE(csv.perUser.size() == 1);
    CHECK(csv.perUser[0].sid.str() == "S-1-5-21-2127521184-1604012920-1887927527-123456");
    CHECK(csv.perUser[0].value == (userbits::IncludeSuccess | userbits::ExcludeFailure));
}

TEST_CASE("MS-GPAC 4.3: audit options")
{
    auto csv = test::csv(std::string(kHeader) + "TEST-MACHINE,,Option:CrashOnAuditFail,,Enabled,,1\r\n"
                                                "TEST-MACHINE,,Option:FullPrivilegeAuditing,,Disabled,,0\r\n"
                                                "TEST-MACHINE,,Option:AuditBaseObjects,,Disabled,,0\r\n"
                                                "TEST-MACHINE,,Option:AuditBaseDirectories,,Disabled,,0\r\n");
    REQUIRE(csv.options[0]);
    CHECK(csv.options[0]->enabled);
    for (std::size_t i = 1; i < 4; ++i) {
        REQUIRE(csv.options[i]);
        CHECK_FALSE(csv.options[i]->enabled);
    }
}

TEST_CASE("MS-GPAC 4.4: registry global SACL")
{
    auto csv = test::csv(std::string(kHeader) + "TEST-MACHINE,,RegistryGlobalSacl,,,,S:(AU;SA;FA;;;WD)\r\n");
    REQUIRE(csv.registryGlobalSacl);
    CHECK(csv.registryGlobalSacl->aces.size() == 1);
    CHECK_FALSE(csv.fileGlobalSacl);
}

TEST_CASE("MS-GPAC 4.5: all kinds of settings together")
{
    auto csv = test::csv(
        std::string(kHeader) +
        "TEST-MACHINE,System,IPsec Driver,{0CCE9213-69AE-11D9-BED3-505054503030},No Auditing,,0\r\n"
        "TEST-MACHINE,System,System Integrity,{0CCE9212-69AE-11D9-BED3-505054503030},Success,,1\r\n"
        "TEST-MACHINE,System,IPsec Extended Mode,{0CCE921A-69AE-11D9-BED3-505054503030},Success and Failure,,3\r\n"
        "TEST-MACHINE,System,File System,{0CCE921D-69AE-11D9-BED3-505054503030},Not specified,,0\r\n"
        "TEST-MACHINE,S-1-5-21-2127521184-1604012920-1887927527-123456,File "
        "System,{0CCE921D-69AE-11D9-BED3-505054503030},Success,Failure,9\r\n"
        "TEST-MACHINE,,Option:CrashOnAuditFail,,Enabled,,1\r\n"
        "TEST-MACHINE,,Option:FullPrivilegeAuditing,,Disabled,,0\r\n"
        "TEST-MACHINE,,Option:AuditBaseObjects,,Disabled,,0\r\n"
        "TEST-MACHINE,,Option:AuditBaseDirectories,,Disabled,,0\r\n"
        "TEST-MACHINE,,RegistryGlobalSacl,,,,S:(AU;SA;FA;;;WD)\r\n");
    CHECK(csv.system.size() == 4);
    CHECK(csv.perUser.size() == 1);
    CHECK(csv.options[0]->enabled);
    CHECK(csv.registryGlobalSacl->aces.size() == 1);
}

TEST_CASE("real-world variants")
{
    SUBCASE("lowercase GUIDs and the \"Audit \" name prefix (auditpol /backup): accepted, the GUID decides")
    {
        auto csv = test::csv(std::string(kHeader) +
                             ",System,Audit Process Creation,{0cce922b-69ae-11d9-bed3-505054503030},Success,,1\n");
        CHECK(systemValue(csv, "process-creation") == 1);
    }
    SUBCASE("the name column is ignored even when it names another subcategory (MS-GPAC 2.2.1.2)")
    {
        auto csv =
            test::csv(std::string(kHeader) + "H,System,Logon,{0CCE922B-69AE-11D9-BED3-505054503030},Success,,1\n");
        CHECK(systemValue(csv, "process-creation") == 1);
        CHECK(systemValue(csv, "logon") == 255);
    }
    SUBCASE("Policy Target \"Machine\": read as System")
    {
        auto csv = test::csv(std::string(kHeader) + test::row("logon", 3, "Machine"));
        CHECK(systemValue(csv, "logon") == 3);
    }
    SUBCASE("BOM, LF, quoted machine name with a comma and doubled quotes")
    {
        auto csv =
            test::csv("\xEF\xBB\xBF" + std::string(kHeader) +
                      "\"WS-01, \"\"lab\"\"\",System,\"Logon\",{0CCE9215-69AE-11D9-BED3-505054503030},Success,,1\n");
        CHECK(systemValue(csv, "logon") == 1);
    }
    SUBCASE("columns found by name, in any order, extra columns ignored")
    {
        auto csv = test::csv("Setting Value,Subcategory GUID,Extra,Policy Target,Subcategory\r\n"
                             "2,{0CCE9215-69AE-11D9-BED3-505054503030},zz,System,Logon\r\n");
        CHECK(systemValue(csv, "logon") == 2);
    }
    SUBCASE("unknown GUID: the row is skipped with a warning, the file stays valid")
    {
        auto csv =
            test::csv(std::string(kHeader) + "H,System,Future,{0CCE92FF-69AE-11D9-BED3-505054503030},Success,,1\r\n" +
                      test::row("logon", 1));
        CHECK(csv.system.size() == 1);
        REQUIRE(csv.warnings.size() == 1);
        CHECK(csv.warnings[0].where.line == 2);
        CHECK(csv.warnings[0].message.find("unknown subcategory GUID") != std::string::npos);
    }
    SUBCASE("duplicate rows: the later row wins, with a warning")
    {
        auto csv = test::csv(std::string(kHeader) + test::row("logon", 1) + test::row("logon", 2));
        CHECK(csv.system.size() == 1);
        CHECK(systemValue(csv, "logon") == 2);
        CHECK(csv.warnings.size() == 1);
    }
    SUBCASE("empty file and whitespace only: no settings, not an error")
    {
        auto empty = parse("");
        REQUIRE(empty);
        CHECK(empty->system.empty());
        CHECK(empty->warnings.size() == 1);
        CHECK(parse("\xEF\xBB\xBF\r\n  \r\n"));
    }
    SUBCASE("header only: no settings, no warning")
    {
        auto header = parse(kHeader);
        REQUIRE(header);
        CHECK(header->system.empty());
        CHECK(header->warnings.empty());
    }
    SUBCASE("6-column `auditpol /get /r` output is rejected with a pointer to /backup")
    {
        auto r = parse("Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting\r\n"
                       "WS,System,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},Success,\r\n");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("auditpol /get /r") != std::string::npos);
        CHECK(r.error().where.line == 1);
    }
    SUBCASE("unknown option: skipped with a warning")
    {
        auto csv = test::csv(std::string(kHeader) + "H,,Option:SomethingNew,,Enabled,,1\r\n");
        CHECK(csv.warnings.size() == 1);
    }
    SUBCASE("FileGlobalSacl rows in one file are unioned")
    {
        auto csv = test::csv(std::string(kHeader) + "H,,FileGlobalSacl,,,,S:(AU;SA;FW;;;WD)\r\n" +
                             "H,,FileGlobalSacl,,,,S:(AU;SA;FW;;;WD)(AU;FA;FA;;;BA)\r\n");
        REQUIRE(csv.fileGlobalSacl);
        CHECK(csv.fileGlobalSacl->aces.size() == 2);
    }
}

TEST_CASE("a non-conforming file is rejected as a whole with line, column and reason")
{
    struct Case {
        std::string text;
        std::uint32_t line;
        std::uint32_t column;
        std::string_view reason;
    };
    const std::string guid = "{0CCE9215-69AE-11D9-BED3-505054503030}";
    const Case cases[] = {
        {std::string(kHeader) + "H,System,Logon," + guid + ",x,,5\r\n", 2, 58, "0..4"},
        {std::string(kHeader) + "H,System,Logon," + guid + ",x,,one\r\n", 2, 58, "decimal"},
        {std::string(kHeader) + "H,System,Logon,{0CCE9215},x,,1\r\n", 2, 16, "GUID"},
        {std::string(kHeader) + "H,System,Logon," + guid + ",x,1\r\n", 2, 0, "fields"},
        {std::string(kHeader) + "H,Someone,Logon," + guid + ",x,,1\r\n", 2, 3, "Policy Target"},
        {std::string(kHeader) + "H,S-1-5-21-1-2-3-1001,Logon," + guid + ",x,,17\r\n", 2, 71, "0..15 or 16"},
        {std::string(kHeader) + "H,S-1-5-21-1-2-3-1001,Logon," + guid + ",x,,20\r\n", 2, 71, "0..15 or 16"},
        {std::string(kHeader) + "H,,Option:CrashOnAuditFail,,x,,2\r\n", 2, 32, "0 or 1"},
        {std::string(kHeader) + "H,,FileGlobalSacl,,,,S:(AU;SA;FA;;;XX)\r\n", 2, 36, "trustee"},
        {std::string(kHeader) + "H,,Logon,,,,1\r\n", 2, 4, "without Policy Target"},
        {std::string(kHeader) + "\"H,System,Logon," + guid + ",x,,1\r\n", 2, 1, "unterminated"},
        {"Machine Name,Subcategory,Subcategory GUID,Setting Value\r\n", 1, 0, "Policy Target"},
        {"Policy Target,Policy Target,Subcategory,Subcategory GUID,Setting Value\r\n", 1, 15, "twice"},
        // Not UTF-8 is read as Windows-1252; a byte that code page leaves undefined is still refused.
        {std::string(kHeader) + "H,System,Logon," + guid + ",x,,1\r\n\x81", 3, 1, "Windows-1252"},
    };
    for (const auto &c : cases) {
        CAPTURE(c.text);
        auto r = parse(c.text);
        REQUIRE_FALSE(r);
        CHECK(r.error().where.file == "audit.csv");
        CHECK(r.error().where.line == c.line);
        CHECK(r.error().where.column == c.column);
        CHECK(r.error().message.find(c.reason) != std::string::npos);
    }
}

TEST_CASE("localized auditpol /backup (Spanish, Windows-1252): columns by position, Sistema, Opcion:")
{
    // "Nombre de equipo, destino de directiva, subcategor\xED" "a, ..." as a Spanish Windows writes it.
    const std::string header = "Nombre de equipo, destino de directiva, subcategor\xED"
                               "a, GUID de subcategor\xED"
                               "a, "
                               "configuraci\xF3n de inclusi\xF3n, configuraci\xF3n de exclusi\xF3n, valor de "
                               "configuraci\xF3n\r\n";
    const std::string rows =
        "PC,Sistema,Inicio de sesi\xF3n,{0CCE9215-69AE-11D9-BED3-505054503030},Aciertos y errores,,3\r\n"
        "PC,Sistema,Registro,{0CCE921E-69AE-11D9-BED3-505054503030},Sin auditor\xED"
        "a,,0\r\n"
        "PC,,Opci\xF3n:CrashOnAuditFail,,Habilitado,,1\r\n"
        "PC,,FileGlobalSacl,,,,\r\n";
    auto csv = parse(header + rows);
    REQUIRE(csv);
    CHECK(systemValue(*csv, "logon") == 3);
    CHECK(systemValue(*csv, "registry") == 0); // "Sin auditor\xED" "a" with 0: unchanged (MS-GPAC 2.2.1.3.1)
    REQUIRE(csv->options[0]);
    CHECK(csv->options[0]->enabled);
    REQUIRE(csv->assumptions.size() == 4);
    CHECK(csv->assumptions[0].find("Windows-1252") != std::string::npos);
    CHECK(csv->assumptions[1].find("by position") != std::string::npos);
    CHECK(csv->assumptions[2].find("\"Sistema\" read as System") != std::string::npos);
    CHECK(csv->assumptions[3].find("Opci\xC3\xB3n:<type>") != std::string::npos);

    SUBCASE("the real corpus file")
    {
        const auto path = std::string(std::getenv("GPAUDIT_TEST_DATA")) + "/corpus/auditpol-backup-es-cp1252.csv";
        std::ifstream in(path, std::ios::binary);
        REQUIRE(in);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto real = parse(bytes);
        REQUIRE(real);
        CHECK(real->system.size() == 59);
        CHECK(systemValue(*real, "logon") == 3);
        CHECK(systemValue(*real, "security-system-extension") == 0);
        CHECK(real->options[0]);
        CHECK(real->warnings.empty());
    }
    SUBCASE("an English header is still read by name, and an unknown target still refused")
    {
        auto r = parse(std::string(kHeader) + "H,Sistema,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},x,,1\r\n");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("Policy Target") != std::string::npos);
    }
    SUBCASE("localized per-user rows stay per-user (a SID)")
    {
        auto r = parse(header + "PC,S-1-5-21-1-2-3-1001,Inicio,{0CCE9215-69AE-11D9-BED3-505054503030},Aciertos,"
                                "Errores,9\r\n");
        REQUIRE(r);
        CHECK(r->perUser.size() == 1);
    }
    SUBCASE("a localized option prefix with an unknown type is not an option")
    {
        auto r = parse(header + "PC,,Opci\xF3n:Otra,,x,,1\r\n");
        REQUIRE_FALSE(r);
    }
    SUBCASE("a localized header of another width is refused, naming the header")
    {
        auto r = parse("Nombre,destino,subcategor\xED"
                       "a\r\n");
        REQUIRE_FALSE(r);
        CHECK(r.error().where.line == 1);
    }
}
