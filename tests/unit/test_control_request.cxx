// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditd's control requests (core/base/control_request): words, commands, flags, refusals.
#include "core/base/control_request.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;
using namespace std::literals;

TEST_CASE("request lines split into words")
{
    auto words = splitControlRequest("  sync   --force --json ");
    REQUIRE(words);
    CHECK(*words == std::vector<std::string>{"sync", "--force", "--json"});
    CHECK(splitControlRequest(std::string(kMaxControlRequest, 'a')));
    auto longer = splitControlRequest(std::string(kMaxControlRequest + 1, 'a'));
    REQUIRE_FALSE(longer);
    CHECK(longer.error().message == "request longer than 4096 bytes");
    CHECK(splitControlRequest("   ").error().message == "empty request");
    CHECK(splitControlRequest("").error().message == "empty request");
    // Control characters, tabs, DEL and non-ASCII bytes never reach a word (nor the journal).
    for (std::string_view bad :
         {"sync\t--json"sv, "sync\r"sv, "status\x1b[2J"sv, "show\x7f"sv, "sync \xc3\xa9"sv, "a\0b"sv})
        CHECK_MESSAGE(splitControlRequest(std::string(bad.data(), bad.size())).error().message ==
                          "request has a non-printable byte",
                      bad);
}

TEST_CASE("commands and their flags")
{
    auto sync = parseControlRequest("sync --force --dry-run --json");
    REQUIRE(sync);
    CHECK(sync->command == ControlRequest::Command::Sync);
    CHECK(sync->name == "sync");
    CHECK(sync->force);
    CHECK(sync->dryRun);
    CHECK(sync->json);
    auto plain = parseControlRequest("sync");
    REQUIRE(plain);
    CHECK_FALSE(plain->force);
    CHECK_FALSE(plain->dryRun);
    CHECK_FALSE(plain->json);
    CHECK(parseControlRequest("sync --json --json")->json); // twice counts once
    CHECK(parseControlRequest("status --json")->command == ControlRequest::Command::Status);
    CHECK(parseControlRequest("show")->command == ControlRequest::Command::Show);
    CHECK(parseControlRequest("rules")->command == ControlRequest::Command::Rules);
}

TEST_CASE("refused: a flag a command does not take, an unknown command")
{
    CHECK(parseControlRequest("status --force").error().message == "gpauditd: status does not take --force");
    CHECK(parseControlRequest("rules --json").error().message == "gpauditd: rules does not take --json");
    CHECK(parseControlRequest("sync --offline").error().message == "gpauditd: sync does not take --offline");
    CHECK(parseControlRequest("apply").error().message ==
          "gpauditd does not know the command \"apply\" (sync, status, show, rules)");
    CHECK(parseControlRequest("apply --json").error().message == "gpauditd: apply does not take --json");
    CHECK(parseControlRequest("SYNC").error().message.find("does not know the command \"SYNC\"") != std::string::npos);
    CHECK(parseControlRequest("\x01").error().message == "request has a non-printable byte");
}
