// SPDX-License-Identifier: GPL-2.0-or-later
// The rules/ data: the catalog is complete and the mapping covers it.
#include "helpers.hxx"

#include "core/linux/mapping.hxx"

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
