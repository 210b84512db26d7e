// SPDX-License-Identifier: GPL-2.0-or-later
// Limits on one policy's work (gpauditd.conf(5) "Limits"): each limit, its error naming file, line,
// GPO and limit, and what happens to the rest of the policy. Also the per-user exclusions' field limit.
#include "core/base/config.hxx"
#include "helpers.hxx"
#include "host/gpo/offline.hxx"

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace gpaudit;
using namespace gpaudit::core;
using test::kHeader;
using test::row;

namespace {

std::string sidOf(std::size_t n)
{
    return "S-1-5-21-1-2-3-" + std::to_string(10000 + n);
}

// Every SID S-1-5-21-1-2-3-N resolves to uid N.
struct CountingResolver final : SidResolver {
    std::optional<SidResolution> resolve(const Sid &sid) const override
    {
        const auto text = sid.str();
        const auto dash = text.rfind('-');
        return SidResolution{SidResolution::Kind::User, static_cast<std::uint32_t>(std::stoul(text.substr(dash + 1)))};
    }
};

std::string perUserRows(std::size_t sids, std::string_view slug, int value)
{
    std::string text = kHeader;
    for (std::size_t i = 0; i < sids; ++i)
        text += row(slug, value, sidOf(i));
    return text;
}

std::string saclRow(std::size_t aces, std::size_t first = 0, std::string_view kind = "FileGlobalSacl")
{
    std::string sddl = "S:";
    for (std::size_t i = first; i < first + aces; ++i)
        sddl += "(AU;SA;FW;;;" + sidOf(i) + ")";
    return "H,," + std::string(kind) + ",,,," + sddl + "\r\n";
}

Resultant resultantOf(std::vector<GpoInput> &inputs)
{
    return merge(test::data().catalog, inputs, LegacyMode::Auto);
}

struct TempDir {
    TempDir()
    {
        char pattern[] = "/tmp/gpaudit-limits-test.XXXXXX";
        path = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
};

} // namespace

TEST_CASE("max_file_size: audit.csv and GptTmpl.inf over it are rejected naming the limit")
{
    PolicyLimits limits;
    limits.maxFileSize = 100;
    const std::string text = std::string(kHeader) + row("process-creation", 1);
    REQUIRE(text.size() > 100);
    auto parsed = parseAuditCsv(text, "G/audit.csv", test::data().catalog, limits);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().where.file == "G/audit.csv");
    CHECK(parsed.error().message.find("max_file_size") != std::string::npos);
    CHECK(parsed.error().message.find(std::to_string(text.size()) + " bytes") != std::string::npos);
    limits.maxFileSize = text.size();
    CHECK(parseAuditCsv(text, "G/audit.csv", test::data().catalog, limits));

    const std::string inf = "[Event Audit]\r\nAuditProcessTracking = 3\r\n" + std::string(200, ';');
    limits.maxFileSize = 100;
    auto tmpl = parseSecurityTemplate(inf, "G/GptTmpl.inf", limits);
    REQUIRE_FALSE(tmpl);
    CHECK(tmpl.error().message.find("max_file_size") != std::string::npos);
}

TEST_CASE("max_per_user_sids: distinct SIDs counted, duplicates not; the error names line and limit")
{
    PolicyLimits limits;
    limits.maxPerUserSids = 3;
    CHECK(parseAuditCsv(perUserRows(3, "process-creation", 1), "audit.csv", test::data().catalog, limits));
    // The same three SIDs on many subcategories and rows: still three.
    std::string many = perUserRows(3, "process-creation", 1);
    for (int round = 0; round < 50; ++round)
        for (std::size_t i = 0; i < 3; ++i)
            many += row(round % 2 ? "logon" : "file-system", 1, sidOf(i));
    auto same = parseAuditCsv(many, "audit.csv", test::data().catalog, limits);
    REQUIRE(same);
    CHECK(same->perUser.size() == 9); // (SID, subcategory) pairs; later duplicates replace
    auto over = parseAuditCsv(perUserRows(4, "process-creation", 1), "audit.csv", test::data().catalog, limits);
    REQUIRE_FALSE(over);
    CHECK(over.error().where.line == 5); // the header, then the fourth SID's row
    CHECK(over.error().message.find("max_per_user_sids") != std::string::npos);
    CHECK(over.error().message.find(sidOf(3)) != std::string::npos);
}

TEST_CASE("max_sacl_aces: distinct ACEs of one SACL, within a row and over rows")
{
    PolicyLimits limits;
    limits.maxSaclAces = 10;
    const auto &catalog = test::data().catalog;
    auto fits = parseAuditCsv(std::string(kHeader) + saclRow(10), "audit.csv", catalog, limits);
    REQUIRE(fits);
    CHECK(fits->fileGlobalSacl->aces.size() == 10);
    // Duplicates (also as alias and SID: WD = S-1-1-0) do not count.
    auto dup = parseAuditCsv(std::string(kHeader) + saclRow(10) + saclRow(10) +
                                 "H,,FileGlobalSacl,,,,S:(AU;SA;FW;;;WD)(AU;SA;FW;;;S-1-1-0)\r\n",
                             "audit.csv", catalog, limits);
    REQUIRE_FALSE(dup); // 10 + Everyone = 11
    CHECK(dup.error().message.find("max_sacl_aces") != std::string::npos);
    auto dupOnly = parseAuditCsv(std::string(kHeader) + saclRow(9) + saclRow(9) +
                                     "H,,FileGlobalSacl,,,,S:(AU;SA;FW;;;WD)(AU;SA;FW;;;S-1-1-0)\r\n",
                                 "audit.csv", catalog, limits);
    REQUIRE(dupOnly);
    CHECK(dupOnly->fileGlobalSacl->aces.size() == 10);
    auto oneRow = parseAuditCsv(std::string(kHeader) + saclRow(11), "audit.csv", catalog, limits);
    REQUIRE_FALSE(oneRow);
    CHECK(oneRow.error().where.line == 2);
    CHECK(oneRow.error().message.find("max_sacl_aces") != std::string::npos);
    auto overRows = parseAuditCsv(std::string(kHeader) + saclRow(6) + saclRow(6, 6), "audit.csv", catalog, limits);
    REQUIRE_FALSE(overRows);
    CHECK(overRows.error().where.line == 3);
    // Each SACL is counted on its own.
    CHECK(parseAuditCsv(std::string(kHeader) + saclRow(10) + saclRow(10, 0, "RegistryGlobalSacl"), "audit.csv", catalog,
                        limits));
    auto registry =
        parseAuditCsv(std::string(kHeader) + saclRow(11, 0, "RegistryGlobalSacl"), "audit.csv", catalog, limits);
    CHECK_FALSE(registry);
    // parseSacl alone: the same limit.
    CHECK_FALSE(parseSacl("S:(AU;SA;FW;;;WD)(AU;SA;FW;;;AU)", {"x", 1, 1}, 1));
    CHECK(parseSacl("S:(AU;SA;FW;;;WD)(AU;SA;FW;;;S-1-1-0)", {"x", 1, 1}, 1));
}

TEST_CASE("aceIdentity: equal exactly when the ACEs compare equal (the hash sets' key)")
{
    std::vector<Ace> aces;
    for (const char *trustee : {"WD", "S-1-1-0", "AU", "DA", "DU", "S-1-5-21-1-2-3-512", "S-1-5-32-544", "BA"})
        for (const char *flags : {"SA", "FA", "SAFA", "CISA"})
            for (const char *rights : {"FA", "FW", "0x2"}) {
                auto sacl = parseSacl(std::string("S:(AU;") + flags + ";" + rights + ";;;" + trustee + ")", {});
                REQUIRE(sacl);
                REQUIRE(sacl->aces.size() == 1);
                aces.push_back(sacl->aces[0]);
            }
    auto object = parseSacl("S:(OU;SA;FW;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)(OU;SA;FW;;;WD)", {});
    REQUIRE(object);
    aces.insert(aces.end(), object->aces.begin(), object->aces.end());
    std::size_t equalPairs = 0;
    for (const auto &a : aces)
        for (const auto &b : aces) {
            CHECK((a == b) == (aceIdentity(a) == aceIdentity(b)));
            equalPairs += a == b ? 1 : 0;
        }
    CHECK(equalPairs > aces.size()); // WD = S-1-1-0 and BA = S-1-5-32-544 give equal pairs beyond a == a
}

TEST_CASE("warnings are bounded: the first kMaxWarnings and one that counts the rest")
{
    std::string text = kHeader;
    for (int i = 0; i < 500; ++i)
        text += "H,System,X,{0CCE9999-69AE-11D9-BED3-505054503030},x,,1\r\n"; // unknown GUID: a warning each
    auto parsed = parseAuditCsv(text, "audit.csv", test::data().catalog);
    REQUIRE(parsed);
    REQUIRE(parsed->warnings.size() == kMaxWarnings + 1);
    CHECK(parsed->warnings.back().message == "400 more warnings not shown");
}

TEST_CASE("at most 64 columns per row; SDDL notes bounded like warnings")
{
    const std::string header(kHeader);
    const std::string wide = header.substr(0, header.size() - 2) + std::string(57, ',') + "\r\n";
    CHECK(parseAuditCsv(wide, "audit.csv", test::data().catalog)); // 7 + 57 = 64 columns
    const std::string wider = header.substr(0, header.size() - 2) + std::string(58, ',') + "\r\n";
    auto refused = parseAuditCsv(wider, "audit.csv", test::data().catalog);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("more than 64 fields") != std::string::npos);
    CHECK(refused.error().where.line == 1);

    std::string sddl = "S:";
    for (int i = 0; i < 300; ++i)
        sddl += "(ML;;NW;;;S-1-16-" + std::to_string(i) + ")"; // not audit ACEs: a note each
    auto sacl = parseSacl(sddl, {"x", 1, 1});
    REQUIRE(sacl);
    REQUIRE(sacl->notes.size() == 101);
    CHECK(sacl->notes.back().message == "SDDL: 200 more notes like these");
}

TEST_CASE("merge: the SACL union across GPOs keeps each ACE once (hash set), the highest GPO's")
{
    std::vector<GpoInput> inputs = {
        test::gpo("Low", std::string(kHeader) + saclRow(50) + "H,,FileGlobalSacl,,,,S:(AU;SA;FW;;;S-1-1-0)\r\n"),
        test::gpo("High", std::string(kHeader) + saclRow(50, 25) + "H,,FileGlobalSacl,,,,S:(AU;SA;FW;;;WD)\r\n")};
    auto r = resultantOf(inputs);
    CHECK(r.fileGlobalSacl.size() == 76);
    const auto high = std::count_if(r.fileGlobalSacl.begin(), r.fileGlobalSacl.end(),
                                    [](const auto &s) { return s.source.name == "High"; });
    CHECK(high == 51);
}

TEST_CASE("max_rules: a policy over it is refused as a whole, naming the limit and the GPO")
{
    CountingResolver resolver;
    TranslateOptions options;
    options.resolver = &resolver;
    std::vector<GpoInput> inputs = {test::gpo("Baseline", std::string(kHeader) + row("process-creation", 3)),
                                    test::gpo("Per-user", perUserRows(20, "process-creation", 1))};
    auto r = resultantOf(inputs);
    auto full = core::translate(test::data().catalog, test::data().mapping, r, options);
    REQUIRE(full);
    const auto needed = full->rules.size();
    CHECK(needed > 200); // 20 SIDs, Include Failure everywhere (MS-GPAC <6>)

    options.maxRules = needed;
    CHECK(core::translate(test::data().catalog, test::data().mapping, r, options));
    options.maxRules = needed - 1;
    auto refused = core::translate(test::data().catalog, test::data().mapping, r, options);
    REQUIRE_FALSE(refused);
    const auto &message = refused.error().message;
    CHECK(message.find("more than " + std::to_string(needed - 1) + " audit rules") != std::string::npos);
    CHECK(message.find("max_rules") != std::string::npos);
    CHECK(message.find("Per-user {GUID-Per-user}") != std::string::npos);
    CHECK(message.find("refused as a whole") != std::string::npos);
}

TEST_CASE("exclusions: more excluded users than a rule can carry fields is a clear error")
{
    CountingResolver resolver;
    TranslateOptions options;
    options.resolver = &resolver;
    options.maxRules = kMaxRulesCeiling; // only the field limit is under test
    // Process Creation S+F: -F arch, the key and one -F auid!= per user.
    PolicyLimits limits;
    limits.maxPerUserSids = 100;
    auto parse = [&](std::size_t users) {
        std::vector<GpoInput> in(1);
        in[0].gpo = {"GUID-Excl", "Excl"};
        auto csv = parseAuditCsv(std::string(kHeader) + row("process-creation", 3) +
                                     perUserRows(users, "process-creation", 0xA).substr(std::string(kHeader).size()),
                                 "audit.csv", test::data().catalog, limits);
        REQUIRE(csv);
        in[0].auditCsv = std::move(*csv);
        return in;
    };
    auto ok = parse(62);
    auto t = core::translate(test::data().catalog, test::data().mapping, resultantOf(ok), options);
    REQUIRE(t);
    const auto text = test::rulesText(*t);
    CHECK(text.find("-F auid!=10061 -k gpaudit-process-creation") != std::string::npos);
    auto over = parse(63);
    auto refused = core::translate(test::data().catalog, test::data().mapping, resultantOf(over), options);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("Process Creation") != std::string::npos);
    CHECK(refused.error().message.find("AUDIT_MAX_FIELDS") != std::string::npos);
    CHECK(refused.error().message.find("63 users are excluded") != std::string::npos);
    CHECK(refused.error().message.find("at most 62") != std::string::npos);
}

TEST_CASE("gpauditd.conf: the limit keys, their defaults, ceilings and suffixes")
{
    auto empty = parseConfig("", "gpauditd.conf");
    REQUIRE(empty);
    CHECK(empty->limits.maxFileSize == 4u << 20);
    CHECK(empty->limits.maxPerUserSids == 32);
    CHECK(empty->limits.maxSaclAces == 1024);
    CHECK(empty->limits.maxRules == 4096);
    auto set = parseConfig("max_file_size: 512K\nmax_per_user_sids: 10\nmax_sacl_aces: 20\nmax_rules: 300\n", "c");
    REQUIRE(set);
    CHECK(set->limits.maxFileSize == 512 * 1024);
    CHECK(set->limits.maxPerUserSids == 10);
    CHECK(set->limits.maxSaclAces == 20);
    CHECK(set->limits.maxRules == 300);
    CHECK(parseConfig("max_file_size: 64M\n", "c")->limits.maxFileSize == 64u << 20);
    CHECK(parseConfig("max_file_size: 1000\n", "c")->limits.maxFileSize == 1000);
    for (const char *bad : {"max_file_size: 65M\n", "max_rules: 0\n", "max_rules: 16385\n", "max_per_user_sids: 1025\n",
                            "max_per_user_sids: -1\n", "max_sacl_aces: many\n", "max_rules: 10K\n"}) {
        auto parsed = parseConfig(bad, "/etc/gpauditd.conf");
        REQUIRE_FALSE(parsed);
        INFO(parsed.error().str());
        CHECK(parsed.error().message.find("takes a number from 1 to") != std::string::npos);
        CHECK(parsed.error().where.line == 1);
    }
}

TEST_CASE("offline sources: a file over max_file_size rejects that GPO's file, the others apply")
{
    TempDir dir;
    const std::string big = dir.path + "/big.csv";
    const std::string small = dir.path + "/small.csv";
    std::ofstream(big) << perUserRows(40, "process-creation", 1);
    std::ofstream(small) << std::string(kHeader) + row("process-creation", 1);
    PolicyLimits limits;
    limits.maxFileSize = 1024;
    auto loaded = host::loadPolicySources(
        test::data().catalog, {{host::PolicySource::Kind::AuditCsv, big}, {host::PolicySource::Kind::AuditCsv, small}},
        limits);
    REQUIRE(loaded);
    REQUIRE(loaded->inputs.size() == 2);
    CHECK_FALSE(loaded->inputs[0].auditCsv);
    CHECK(loaded->inputs[1].auditCsv);
    REQUIRE(loaded->problems.size() == 1);
    CHECK(loaded->problems[0].rejected);
    CHECK(loaded->problems[0].gpo.name == big);
    CHECK(loaded->problems[0].message.find("max_file_size") != std::string::npos);
    // The problem's GPO is the file: the message does not name it a second time (issue 14).
    CHECK(loaded->problems[0].message.find(big) == std::string::npos);
}
