// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/control_request.hxx"

#include <algorithm>
#include <array>

namespace gpaudit::core {

Result<std::vector<std::string>> splitControlRequest(std::string_view line)
{
    if (line.size() > kMaxControlRequest)
        return fail("request longer than " + std::to_string(kMaxControlRequest) + " bytes");
    std::vector<std::string> words;
    std::string word;
    for (char c : line) {
        if (c == ' ') {
            if (!word.empty())
                words.push_back(std::move(word));
            word.clear();
        } else if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
            return fail("request has a non-printable byte");
        } else {
            word.push_back(c);
        }
    }
    if (!word.empty())
        words.push_back(std::move(word));
    if (words.empty())
        return fail("empty request");
    return words;
}

Result<ControlRequest> parseControlRequest(std::string_view line)
{
    auto words = splitControlRequest(line);
    if (!words)
        return tl::unexpected(words.error());
    struct Known {
        std::string_view name;
        ControlRequest::Command command;
        std::vector<std::string_view> flags;
    };
    static const std::array<Known, 4> kKnown = {{
        {"sync", ControlRequest::Command::Sync, {"--force", "--dry-run", "--json"}},
        {"status", ControlRequest::Command::Status, {"--json"}},
        {"show", ControlRequest::Command::Show, {"--json"}},
        {"rules", ControlRequest::Command::Rules, {}},
    }};
    ControlRequest request;
    request.name = words->front();
    const auto known =
        std::find_if(kKnown.begin(), kKnown.end(), [&](const Known &k) { return k.name == request.name; });
    for (auto flag = words->begin() + 1; flag != words->end(); ++flag) {
        if (known == kKnown.end() || std::find(known->flags.begin(), known->flags.end(), *flag) == known->flags.end())
            return fail("gpauditd: " + request.name + " does not take " + *flag);
        request.force = request.force || *flag == "--force";
        request.dryRun = request.dryRun || *flag == "--dry-run";
        request.json = request.json || *flag == "--json";
    }
    if (known == kKnown.end())
        return fail("gpauditd does not know the command \"" + request.name + "\" (sync, status, show, rules)");
    request.command = known->command;
    return request;
}

} // namespace gpaudit::core
