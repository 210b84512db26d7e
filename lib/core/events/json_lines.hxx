// SPDX-License-Identifier: GPL-2.0-or-later
// The JSON lines of toJson() (windows.hxx), byte for byte, for a stream of events: the document of each
// event shape (event id and EventData field names) is built once with nlohmann-json and only its values
// are replaced per event, then serialised by nlohmann's serializer into one growing buffer. No per-event
// tree of allocations: the auditd plugin's hot path (the benchmark against laurel). Pure.
#pragma once

#include "core/events/windows.hxx"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace gpaudit::core::events {

class JsonLines {
  public:
    JsonLines();
    ~JsonLines();
    JsonLines(const JsonLines &) = delete;
    JsonLines &operator=(const JsonLines &) = delete;

    // Appends toJson(event) and a line break to buffer().
    void append(const WindowsEvent &event);
    [[nodiscard]] std::string &buffer() { return buffer_; }

  private:
    struct Shape;
    Shape &shapeOf(const WindowsEvent &event);
    std::vector<std::unique_ptr<Shape>> shapes_; // bounded (kMaxShapes); past it, toJson()
    std::string buffer_;
    struct Writer;
    std::unique_ptr<Writer> writer_;
};

} // namespace gpaudit::core::events
