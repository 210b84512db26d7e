// SPDX-License-Identifier: GPL-2.0-or-later
// The rules/ data: the catalog is complete and the mapping covers it.
#include "helpers.hxx"

#include "core/linux/mapping.hxx"
#include "core/linux/rules_image.hxx"

using namespace gpaudit::core;

TEST_CASE("the catalog holds the 59 subcategories 0CCE9210..0CCE924A in nine categories")
{
    const auto &catalog = test::data().catalog;
    CHECK(catalog.subcategories().size() == 59);
    CHECK(catalog.categories().size() == 9);
    for (unsigned code = 0x10; code <= 0x4A; ++code) {
        char guid[64];
        (void)std::snprintf(guid, sizeof guid, "0CCE92%02X-69AE-11D9-BED3-505054503030", code);
        CHECK_MESSAGE(catalog.byGuid(guid) != nullptr, guid);
    }
    CHECK(catalog.bySlug("token-right-adjusted-events")->guid == "0CCE924A-69AE-11D9-BED3-505054503030");
    for (const auto &category : catalog.categories())
        CHECK(catalog.categoryByLegacyKey(category.legacyKey) == &category);
}

TEST_CASE("every subcategory is mapped with a description or unmapped with a reason")
{
    const auto &catalog = test::data().catalog;
    std::size_t mapped = 0;
    for (std::size_t i = 0; i < catalog.subcategories().size(); ++i) {
        const auto &map = test::data().mapping.of(i);
        CAPTURE(catalog.subcategories()[i].slug);
        if (map.mapped) {
            ++mapped;
            CHECK_FALSE(map.how.empty());
        } else {
            CHECK_FALSE(map.unmappedReason.empty());
        }
    }
    MESSAGE(mapped << " of 59 subcategories mapped");
    CHECK(mapped > 30);
}

TEST_CASE("the mapping loader refuses incomplete or wrong data")
{
    const auto &catalog = test::data().catalog;
    auto load = [&](const std::string &mapping) {
        return Mapping::fromYaml(catalog, mapping, "m.yaml", gpaudit::data::syscallsYaml, "s.yaml");
    };
    auto missing = load("version: 1\nsubcategories:\n  logon:\n    unmapped: x\n");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("no entry for subcategory") != std::string::npos);
    std::string full(gpaudit::data::mappingYaml);
    auto replace = [&](const std::string &from, const std::string &to) {
        auto copy = full;
        copy.replace(copy.find(from), from.size(), to);
        return load(copy);
    };
    CHECK_FALSE(replace("syscalls: [EXEC]\n  process-termination", "syscalls: [EXECX]\n  process-termination"));
    CHECK_FALSE(replace("{path: /etc/passwd, perm: wa}", "{path: /etc/passwd, perm: wz}"));
    CHECK_FALSE(replace("{path: /etc/passwd, perm: wa}", "{path: etc/passwd, perm: wa}"));
    CHECK_FALSE(replace("fields: [\"euid=0\"]", "fields: [\"euidd=0\"]"));
    CHECK_FALSE(replace("when_option: AuditBaseObjects", "when_option: AuditEverything"));
    auto badYaml = load("version: 1\nsubcategories: [\n");
    REQUIRE_FALSE(badYaml);
    CHECK(badYaml.error().where.line > 0);
}

TEST_CASE("field specs")
{
    auto spec = parseFieldSpec("auid>=${UID_MIN}", false);
    REQUIRE(spec);
    CHECK(spec->name == "auid");
    CHECK(spec->op == ">=");
    CHECK(parseFieldSpec("uid!=euid", true));
    CHECK_FALSE(parseFieldSpec("uid!=banana", true));
    CHECK_FALSE(parseFieldSpec("uid<euid", true));
    CHECK_FALSE(parseFieldSpec("=3", false));
}

// The built-in rules are read from the image the build made (rules/image.cxx), not from YAML: the image
// must hold exactly what the core's YAML parsers make of the same files today.
TEST_CASE("rules image: the built-in image is the YAML as the core parses it")
{
    auto catalog = Catalog::fromYaml(gpaudit::data::subcategoriesYaml, "subcategories.yaml");
    REQUIRE(catalog);
    auto mapping =
        Mapping::fromYaml(*catalog, gpaudit::data::mappingYaml, "mapping.yaml", gpaudit::data::syscallsYaml, "s.yaml");
    REQUIRE(mapping);
    auto image = readRulesImage(gpaudit::data::rulesImage, "built in");
    REQUIRE_MESSAGE(image, image.error().str());
    CHECK(image->catalog == *catalog);
    CHECK(image->mapping == *mapping);
    // The same bytes again: nothing is lost between writing and reading.
    CHECK(writeRulesImage(image->catalog, image->mapping) == gpaudit::data::rulesImage);
    // The indexes rebuilt on reading answer as the parsed catalog's.
    for (const auto &sub : catalog->subcategories()) {
        REQUIRE(image->catalog.bySlug(sub.slug) != nullptr);
        CHECK(image->catalog.bySlug(sub.slug)->guid == sub.guid);
        CHECK(image->catalog.byGuid(sub.guid)->slug == sub.slug);
    }
    // What it changes: the same data, equal by value, and a different mapping compares unequal.
    auto other = Mapping::fromYaml(*catalog, std::string(gpaudit::data::mappingYaml) + "\n# same\n", "m.yaml",
                                   gpaudit::data::syscallsYaml, "s.yaml");
    REQUIRE(other);
    CHECK(*other == *mapping);
    auto changed = std::string(gpaudit::data::mappingYaml);
    changed.replace(changed.find("{path: /etc/passwd, perm: wa}"), 29, "{path: /etc/passwd, perm: w}");
    auto differs = Mapping::fromYaml(*catalog, changed, "m.yaml", gpaudit::data::syscallsYaml, "s.yaml");
    REQUIRE(differs);
    CHECK_FALSE(*differs == *mapping);
}

TEST_CASE("rules image: a short, altered or foreign image is an error naming the byte, never a crash")
{
    const std::string good(gpaudit::data::rulesImage);
    REQUIRE(readRulesImage(good, "built in"));
    // Every length short of the whole (a stride keeps this quick under the sanitizers).
    for (std::size_t size = 0; size < good.size(); size += (size < 256 ? 1 : 97)) {
        auto cut = readRulesImage(std::string_view(good).substr(0, size), "built in");
        REQUIRE_FALSE(cut);
        CHECK(cut.error().message.find("corrupt built-in data") != std::string::npos);
        CHECK(cut.error().where.file == "built in");
    }
    auto longer = readRulesImage(good + "x", "built in");
    REQUIRE_FALSE(longer);
    CHECK(longer.error().message.find("1 bytes after the end") != std::string::npos);
    CHECK_FALSE(readRulesImage("not an image", "built in"));
    // Bytes changed anywhere (a fixed pseudo-random walk): an error or a value, bounded, never a crash.
    std::uint32_t state = 2463534242U;
    std::size_t errors = 0;
    for (int round = 0; round < 3000; ++round) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        auto bent = good;
        bent[state % bent.size()] = static_cast<char>(state >> 24);
        if (!readRulesImage(bent, "built in"))
            ++errors;
    }
    MESSAGE(errors << " of 3000 altered images refused");
    CHECK(errors > 0);
    // A huge count is refused before anything is allocated for it.
    auto huge = good;
    const std::size_t countAt = 4 + std::string_view("gpaudit rules image 1\n").size();
    huge.replace(countAt, 4, std::string("\xff\xff\xff\x7f", 4));
    auto refused = readRulesImage(huge, "built in");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("a count larger than the bytes left") != std::string::npos);
}
