// SPDX-License-Identifier: GPL-2.0-or-later
// Decoding of policy files into UTF-8 text, and small string helpers. Pure: no I/O.
#pragma once

#include "core/base/result.hxx"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

enum class Encoding { Utf8, Utf8Bom, Utf16Le, Utf16Be, Windows1252 };

// "UTF-8", "UTF-8 with BOM", "UTF-16LE", "UTF-16BE", "Windows-1252".
std::string_view encodingName(Encoding encoding);

struct DecodedText {
    std::string utf8;
    Encoding encoding = Encoding::Utf8;
};

// Decodes UTF-8 (with or without BOM) and UTF-16 (LE with BOM as Windows writes GptTmpl.inf, BE with
// BOM, and LE without BOM, recognised by NUL high bytes). Invalid sequences are an error that names
// the line and column of the first bad character. `label` names the input in errors.
// With ansiFallback, bytes without a BOM that are not valid UTF-8 are read as Windows-1252 (the ANSI
// code page of Western European Windows, which `auditpol /backup` writes on a localized system);
// the result says so (encoding == Windows1252). A byte Windows-1252 leaves undefined (0x81, 0x8D,
// 0x8F, 0x90, 0x9D) is then the error, with its line and column.
Result<DecodedText> decodeText(std::span<const std::byte> bytes, std::string_view label, bool ansiFallback = false);
Result<DecodedText> decodeText(std::string_view bytes, std::string_view label, bool ansiFallback = false);

// Windows-1252 bytes to UTF-8; an undefined byte is an error naming its line and column.
Result<std::string> decodeWindows1252(std::string_view bytes, std::string_view label);

// Splits on LF, dropping a CR before it (CRLF and LF files read the same). A final line without
// a newline is kept; the empty remainder after a final newline is not.
std::vector<std::string_view> splitLines(std::string_view text);

std::string_view trim(std::string_view text);
bool equalsIgnoreCase(std::string_view a, std::string_view b);
std::string toUpper(std::string_view text);
std::string toLower(std::string_view text);
bool startsWithIgnoreCase(std::string_view text, std::string_view prefix);

// Strict decimal parse of a whole field: digits only, no sign, no spaces, fits in 32 bits.
bool parseDecimal(std::string_view text, std::uint32_t &value);

// One code point as UTF-8 (text decoding here, Registry.pol's UTF-16LE in core/policy).
void appendUtf8(std::string &out, char32_t cp);

} // namespace gpaudit::core
