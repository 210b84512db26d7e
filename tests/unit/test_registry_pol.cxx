// SPDX-License-Identifier: GPL-2.0-or-later
// Registry.pol (MS-GPREG 2.2.1): parsing with byte offsets in errors, and the application of several
// GPOs' instructions (MS-GPREG 3.2.5) as merge() does it for "Include command line in process creation
// events".
#include "core/policy/merge.hxx"
#include "core/policy/registry_pol.hxx"
#include "host/data/rules_data.hxx"

#include <cstdint>
#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace gpaudit::core;

namespace {

std::string utf16z(std::string_view ascii)
{
    std::string out;
    for (char c : ascii) {
        out += c;
        out += '\0';
    }
    out += std::string(2, '\0');
    return out;
}

std::string dwordBytes(std::uint32_t value)
{
    std::string out;
    for (int i = 0; i < 4; ++i)
        out += static_cast<char>((value >> (8 * i)) & 0xff);
    return out;
}

std::string instruction(std::string_view key, std::string_view value, std::uint32_t type, const std::string &data)
{
    const std::string semi("\x3b\x00", 2);
    return std::string("\x5b\x00", 2) + utf16z(key) + semi + utf16z(value) + semi + dwordBytes(type) + semi +
           dwordBytes(static_cast<std::uint32_t>(data.size())) + semi + data + std::string("\x5d\x00", 2);
}

const std::string kHeader = std::string("PReg\x01\x00\x00\x00", 8);
const std::string kKey(kAuditPolicyKey);
const std::string kValue(kIncludeCmdLineValue);

std::string setDword(std::uint32_t value)
{
    return instruction(kKey, kValue, regtype::Dword, dwordBytes(value));
}
std::string directive(std::string_view key, std::string_view name, std::string_view data = " ")
{
    return instruction(key, name, regtype::Sz, utf16z(data));
}

RegistryPol parsed(const std::string &bytes)
{
    auto pol = parseRegistryPol(bytes, "Registry.pol");
    REQUIRE_MESSAGE(pol, (pol ? "" : pol.error().str()));
    return *pol;
}

std::optional<RegistryOutcome> apply(const std::vector<std::string> &files)
{
    std::vector<RegistryPol> pols;
    pols.reserve(files.size());
    for (const auto &file : files)
        pols.push_back(parsed(kHeader + file));
    std::vector<const RegistryPol *> pointers;
    pointers.reserve(pols.size());
    for (const auto &pol : pols)
        pointers.push_back(&pol);
    return applyRegistryPolicy(pointers, kAuditPolicyKey, kIncludeCmdLineValue);
}

} // namespace

TEST_CASE("Registry.pol: instructions with their key, value, type, data and offset")
{
    const auto bytes = kHeader + setDword(1) +
                       instruction("Software\\Policies\\Microsoft\\Windows NT\\DNSClient", "EnableMulticast",
                                   regtype::Dword, dwordBytes(0));
    const auto pol = parsed(bytes);
    REQUIRE(pol.instructions.size() == 2);
    CHECK(pol.instructions[0].key == kKey);
    CHECK(pol.instructions[0].value == kValue);
    CHECK(pol.instructions[0].type == regtype::Dword);
    CHECK(pol.instructions[0].dword() == 1U);
    CHECK(pol.instructions[0].offset == 8);
    CHECK(pol.instructions[1].offset == 8 + setDword(1).size());
    CHECK(pol.instructions[1].value == "EnableMulticast");
    CHECK(parsed(kHeader).instructions.empty()); // a header alone: a GPO with no registry settings
}

TEST_CASE("Registry.pol: malformed files are rejected with the byte offset")
{
    auto error = [](const std::string &bytes) {
        auto pol = parseRegistryPol(bytes, "{GUID}/Machine/Registry.pol");
        REQUIRE_FALSE(pol);
        return pol.error().str();
    };
    CHECK(error("") == "{GUID}/Machine/Registry.pol: not a Registry.pol file: no \"PReg\" signature at byte offset 0 "
                       "(MS-GPREG 2.2.1)");
    CHECK(error(std::string("PReg\x02\x00\x00\x00", 8)).find("unsupported Registry.pol version 2") !=
          std::string::npos);
    const auto good = kHeader + setDword(1);
    // Cut inside the data: the size field promises 4 bytes.
    const auto cut = good.substr(0, good.size() - 4);
    CHECK(error(cut).find("the data of 4 bytes runs past the end of the file") != std::string::npos);
    // A size that overflows the file.
    auto huge = good;
    const auto sizeAt = good.size() - 2 - 4 - 2 - 4; // "]" data ";" size
    huge.replace(sizeAt, 4, dwordBytes(0xffffffffU));
    CHECK(error(huge).find("runs past the end of the file at byte offset " + std::to_string(sizeAt + 6)) !=
          std::string::npos);
    // A missing ']' names where it was expected.
    auto unclosed = good;
    unclosed[unclosed.size() - 2] = ')';
    CHECK(error(unclosed).find("expected \"]\" closing the instruction at byte offset " +
                               std::to_string(good.size() - 2)) != std::string::npos);
    // An odd trailing byte, a lone surrogate, a control character.
    CHECK(error(good + "x")
              .find("file ends inside \"[\" opening an instruction at byte offset " + std::to_string(good.size())) !=
          std::string::npos);
    CHECK(error(kHeader + std::string("\x5b\x00\x00\xd8", 4)).find("unpaired surrogate") != std::string::npos);
    CHECK(error(kHeader + instruction("A\x01", "v", 4, dwordBytes(1))).find("control character in the key path") !=
          std::string::npos);
    // A value name longer than MS-GPREG's 259 characters.
    CHECK(error(kHeader + instruction("K", std::string(260, 'v'), 4, dwordBytes(1)))
              .find("the value name longer than 259 characters") != std::string::npos);
    // The size limit applies as for audit.csv (max_file_size).
    PolicyLimits limits;
    limits.maxFileSize = 16;
    CHECK_FALSE(parseRegistryPol(good, "Registry.pol", limits));
}

TEST_CASE("Registry policy: the later GPO wins, deletions included (MS-GPREG 3.2.5)")
{
    SUBCASE("not configured")
    {
        CHECK_FALSE(apply({"", directive("Software\\Other", "**delvals.")}));
    }
    SUBCASE("set, then replaced by a later GPO")
    {
        auto outcome = apply({setDword(1), setDword(0)});
        REQUIRE(outcome);
        CHECK(outcome->dword() == 0U);
        CHECK(outcome->index == 1);
    }
    SUBCASE("**del. in a later GPO removes the earlier value")
    {
        auto outcome = apply({setDword(1), directive(kKey, "**del." + kValue)});
        REQUIRE(outcome);
        CHECK(outcome->kind == RegistryOutcome::Kind::Deleted);
        CHECK(outcome->directive == "**del.");
        CHECK_FALSE(outcome->dword());
        CHECK(outcome->index == 1);
    }
    SUBCASE("**del. of another value leaves it")
    {
        auto outcome = apply({setDword(1), directive(kKey, "**del.Other")});
        REQUIRE(outcome);
        CHECK(outcome->dword() == 1U);
    }
    SUBCASE("**delvals. deletes every value of the key; a value set after it in the same file stays")
    {
        auto outcome = apply({setDword(1), directive(kKey, "**delvals.")});
        REQUIRE(outcome);
        CHECK(outcome->kind == RegistryOutcome::Kind::Deleted);
        CHECK(outcome->directive == "**delvals.");
        outcome = apply({setDword(0), directive(kKey, "**delvals.") + setDword(1)});
        REQUIRE(outcome);
        CHECK(outcome->dword() == 1U);
    }
    SUBCASE("key and value names are case-insensitive, like the registry")
    {
        auto outcome = apply({instruction("software\\microsoft\\windows\\currentversion\\policies\\system\\AUDIT",
                                          "processcreationincludecmdline_enabled", regtype::Dword, dwordBytes(1))});
        REQUIRE(outcome);
        CHECK(outcome->dword() == 1U);
    }
    SUBCASE("**DeleteValues and **DeleteKeys")
    {
        auto outcome = apply({setDword(1), directive(kKey, "**DeleteValues", "Other;" + kValue)});
        REQUIRE(outcome);
        CHECK(outcome->directive == "**DeleteValues");
        outcome = apply({setDword(1), directive("Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
                                                "**DeleteKeys", "Audit")});
        REQUIRE(outcome);
        CHECK(outcome->directive == "**DeleteKeys");
        // A sibling key is not an ancestor.
        outcome = apply({setDword(1), directive("Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
                                                "**DeleteKeys", "Aud")});
        REQUIRE(outcome);
        CHECK(outcome->dword() == 1U);
    }
    SUBCASE("**soft. sets only a value that does not exist")
    {
        auto outcome = apply({setDword(0), instruction(kKey, "**soft." + kValue, regtype::Dword, dwordBytes(1))});
        REQUIRE(outcome);
        CHECK(outcome->dword() == 0U);
        outcome = apply({instruction(kKey, "**soft." + kValue, regtype::Dword, dwordBytes(1))});
        REQUIRE(outcome);
        CHECK(outcome->dword() == 1U);
    }
    SUBCASE("a value that is not a REG_DWORD enables nothing")
    {
        auto outcome = apply({instruction(kKey, kValue, regtype::Sz, utf16z("1"))});
        REQUIRE(outcome);
        CHECK_FALSE(outcome->dword());
    }
}

TEST_CASE("merge(): includeCommandLine with the winning GPO, lowest precedence first")
{
    auto rules = gpaudit::host::loadRulesData();
    REQUIRE(rules);
    std::vector<GpoInput> gpos(3);
    gpos[0].gpo = {"11111111-1111-1111-1111-111111111111", "Domain"};
    gpos[0].registryPol = parsed(kHeader + setDword(1));
    gpos[1].gpo = {"22222222-2222-2222-2222-222222222222", "No registry"};
    gpos[2].gpo = {"33333333-3333-3333-3333-333333333333", "OU"};
    gpos[2].registryPol = parsed(kHeader);
    auto resultant = merge(rules->catalog, gpos, LegacyMode::Auto);
    REQUIRE(resultant.includeCommandLine);
    CHECK(resultant.includeCommandLine->enabled());
    CHECK(resultant.includeCommandLine->source.name == "Domain");

    gpos[2].registryPol = parsed(kHeader + directive(kKey, "**del." + kValue));
    resultant = merge(rules->catalog, gpos, LegacyMode::Auto);
    REQUIRE(resultant.includeCommandLine);
    CHECK_FALSE(resultant.includeCommandLine->enabled());
    CHECK(resultant.includeCommandLine->source.name == "OU");

    gpos[0].registryPol.reset();
    gpos[2].registryPol.reset();
    CHECK_FALSE(merge(rules->catalog, gpos, LegacyMode::Auto).includeCommandLine);
}
