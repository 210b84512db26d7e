// SPDX-License-Identifier: GPL-2.0-or-later
// Every JSON document gpaudit writes or reads goes through nlohmann-json (Debian nlohmann-json3-dev,
// header only; lib/core/events uses it too): no JSON is built by string concatenation. Pure.
//
// Keys keep the order they are set in (ordered_json: the documents are read by people too).
// dumpJson() is the one way out: every string (key or value) passes jsonSafeText() first, so whatever
// a GPO, a file or the domain put in a value, the document is valid UTF-8 and a value printed by a JSON
// consumer cannot steer a terminal (by construction: no caller escapes anything). The serializer's own
// error handler is `replace` as a second line: it never throws on a byte that is not UTF-8.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace gpaudit::core {

using Json = nlohmann::ordered_json;

// displayText() (safe_text.hxx) of the text, except that newline, carriage return and tab stay the
// characters they are (JSON escapes them as \n \r \t, and a reader gets them back): a byte that is not
// UTF-8 becomes the visible text \xHH, C0/C1 controls, DEL and the bidirectional and line-separator
// format characters visible escapes.
std::string jsonSafeText(std::string_view text);

// The document as text: indent 2 (pretty, one member a line), or -1 for one line; no newline at the end.
std::string dumpJson(const Json &document, int indent = 2);

} // namespace gpaudit::core
