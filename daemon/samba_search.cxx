// SPDX-License-Identifier: GPL-2.0-or-later
#include "samba_search.hxx"

#include "core/base/safe_text.hxx"
#include "core/events/samba.hxx"
#include "host/files/unique_fd.hxx"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <unistd.h>

namespace gpaudit::daemon {

namespace {

std::string hostName()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0)
        return "localhost";
    return name;
}

} // namespace

int runSambaSearch(const SambaSearch &search)
{
    namespace ev = gpaudit::core::events;
    ev::SambaRenderer renderer(search.computer.empty() ? hostName() : search.computer);
    std::size_t printed = 0;
    auto emit = [&](const std::vector<ev::WindowsEvent> &events) {
        for (const auto &e : events) {
            if (!search.subcategories.empty() && std::find(search.subcategories.begin(), search.subcategories.end(),
                                                           e.subcategory) == search.subcategories.end())
                continue;
            if (search.success && e.success != *search.success)
                continue;
            if ((search.start && e.seconds < *search.start) || (search.end && e.seconds > *search.end))
                continue;
            if (search.format == "text")
                std::cout << core::displayText(ev::systemTime(e.seconds, e.milliseconds) + " " + e.auditId + " " +
                                               std::to_string(e.eventId) + " " + e.subcategory + " " +
                                               (e.success ? "success" : "failure"))
                          << '\n';
            else
                std::cout << (search.format == "xml" ? ev::toXml(e) : ev::toJson(e)) << '\n';
            ++printed;
        }
    };
    for (const auto &file : search.files) {
        const host::UniqueFd opened(file == "-" ? -1 : ::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        const int fd = file == "-" ? 0 : opened.get(); // standard input stays open
        if (fd < 0) {
            std::cerr << "gpauditctl search: " << core::displayText(file) << ": " << std::strerror(errno) << "\n";
            return 1;
        }
        // Lines are read in chunks; a line longer than kMaxSambaLine is skipped without being kept.
        std::string line;
        bool skipping = false;
        std::uint64_t number = 0;
        char buffer[65536];
        for (;;) {
            const auto got = ::read(fd, buffer, sizeof buffer);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                std::cerr << "gpauditctl search: " << core::displayText(file) << ": " << std::strerror(errno) << "\n";
                return 1;
            }
            if (got == 0)
                break;
            std::string_view chunk(buffer, static_cast<std::size_t>(got));
            while (!chunk.empty()) {
                const auto nl = chunk.find('\n');
                const auto part = chunk.substr(0, nl);
                if (!skipping) {
                    line.append(part);
                    if (line.size() > ev::kMaxSambaLine) {
                        skipping = true;
                        line.clear();
                    }
                }
                if (nl == std::string_view::npos)
                    break;
                ++number;
                if (!skipping)
                    emit(renderer.line(line, number));
                line.clear();
                skipping = false;
                chunk.remove_prefix(nl + 1);
            }
        }
        if (!line.empty() && !skipping)
            emit(renderer.line(line, ++number));
    }
    std::cout.flush();
    if (!std::cout)
        return 1;
    if (printed == 0) {
        std::cerr << "<no matches> (" << renderer.records() << " Samba audit records read)\n";
        return 1;
    }
    return 0;
}

} // namespace gpaudit::daemon
