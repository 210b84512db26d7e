// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/text.hxx"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace gpaudit::core {

namespace {

// Tracks line/column while decoding, so an encoding error points at the character.
struct Cursor {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    void advance(char32_t cp)
    {
        if (cp == U'\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
};

Result<DecodedText> decodeUtf16(std::span<const std::byte> body, bool littleEndian, Encoding encoding,
                                std::string_view label)
{
    DecodedText out;
    out.encoding = encoding;
    out.utf8.reserve(body.size() / 2);
    Cursor cursor;
    auto unit = [&](std::size_t i) -> char16_t {
        const auto lo = static_cast<unsigned>(body[littleEndian ? i : i + 1]);
        const auto hi = static_cast<unsigned>(body[littleEndian ? i + 1 : i]);
        return static_cast<char16_t>(lo | (hi << 8));
    };
    if (body.size() % 2 != 0)
        return fail("UTF-16 text has an odd number of bytes (truncated file?)", {std::string(label), 0, 0});
    for (std::size_t i = 0; i < body.size(); i += 2) {
        char32_t cp = unit(i);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 2 >= body.size() || unit(i + 2) < 0xDC00 || unit(i + 2) > 0xDFFF)
                return fail("invalid UTF-16: unpaired high surrogate",
                            {std::string(label), cursor.line, cursor.column});
            cp = 0x10000 + ((cp - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
            i += 2;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("invalid UTF-16: unpaired low surrogate", {std::string(label), cursor.line, cursor.column});
        }
        appendUtf8(out.utf8, cp);
        cursor.advance(cp);
    }
    return out;
}

Result<DecodedText> checkUtf8(std::string_view body, Encoding encoding, std::string_view label)
{
    Cursor cursor;
    for (std::size_t i = 0; i < body.size();) {
        const auto c = static_cast<unsigned char>(body[i]);
        std::size_t length = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            length = 1;
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            length = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4;
            cp = c & 0x07;
        } else {
            return fail("invalid UTF-8 byte", {std::string(label), cursor.line, cursor.column});
        }
        if (i + length > body.size())
            return fail("truncated UTF-8 sequence", {std::string(label), cursor.line, cursor.column});
        for (std::size_t k = 1; k < length; ++k) {
            const auto cc = static_cast<unsigned char>(body[i + k]);
            if ((cc & 0xC0) != 0x80)
                return fail("invalid UTF-8 sequence", {std::string(label), cursor.line, cursor.column});
            cp = (cp << 6) | (cc & 0x3F);
        }
        const bool overlong =
            (length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail("invalid UTF-8 sequence", {std::string(label), cursor.line, cursor.column});
        cursor.advance(cp);
        i += length;
    }
    return DecodedText{std::string(body), encoding};
}

// Windows-1252 0x80..0x9F (the rest is ISO-8859-1, equal to the code point); 0 = undefined.
constexpr char16_t kCp1252High[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

} // namespace

std::string_view encodingName(Encoding encoding)
{
    switch (encoding) {
    case Encoding::Utf8:
        return "UTF-8";
    case Encoding::Utf8Bom:
        return "UTF-8 with BOM";
    case Encoding::Utf16Le:
        return "UTF-16LE";
    case Encoding::Utf16Be:
        return "UTF-16BE";
    case Encoding::Windows1252:
        return "Windows-1252";
    }
    return "?";
}

Result<std::string> decodeWindows1252(std::string_view bytes, std::string_view label)
{
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    Cursor cursor;
    for (char byte : bytes) {
        const auto c = static_cast<unsigned char>(byte);
        char32_t cp = c;
        if (c >= 0x80 && c < 0xA0) {
            cp = kCp1252High[c - 0x80];
            if (cp == 0) {
                static const char hex[] = "0123456789ABCDEF";
                return fail(std::string("neither UTF-8 nor Windows-1252: byte 0x") + hex[c >> 4] + hex[c & 0xF] +
                                " is undefined in Windows-1252",
                            {std::string(label), cursor.line, cursor.column});
            }
        }
        appendUtf8(out, cp);
        cursor.advance(cp);
    }
    return out;
}

Result<DecodedText> decodeText(std::span<const std::byte> bytes, std::string_view label, bool ansiFallback)
{
    auto at = [&](std::size_t i) { return static_cast<unsigned>(bytes[i]); };
    if (bytes.size() >= 3 && at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF) {
        std::string_view body(reinterpret_cast<const char *>(bytes.data()) + 3, bytes.size() - 3);
        return checkUtf8(body, Encoding::Utf8Bom, label);
    }
    if (bytes.size() >= 2 && at(0) == 0xFF && at(1) == 0xFE)
        return decodeUtf16(bytes.subspan(2), true, Encoding::Utf16Le, label);
    if (bytes.size() >= 2 && at(0) == 0xFE && at(1) == 0xFF)
        return decodeUtf16(bytes.subspan(2), false, Encoding::Utf16Be, label);
    // UTF-16LE without BOM: ASCII text with every second byte NUL. Files written by some tools lose
    // the BOM; reading them as UTF-8 would silently see nothing.
    if (bytes.size() >= 4 && bytes.size() % 2 == 0 && at(0) != 0 && at(1) == 0 && at(2) != 0 && at(3) == 0)
        return decodeUtf16(bytes, true, Encoding::Utf16Le, label);
    std::string_view body(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    auto utf8 = checkUtf8(body, Encoding::Utf8, label);
    if (utf8 || !ansiFallback)
        return utf8;
    // Not UTF-8 and no BOM: the ANSI code page. Valid UTF-8 with a non-ASCII character is very
    // unlikely to be meant as Windows-1252 (it would need a lead byte followed by exactly the right
    // continuation bytes), so UTF-8 is tried first and this only reads what UTF-8 cannot.
    auto ansi = decodeWindows1252(body, label);
    if (!ansi)
        return tl::unexpected(ansi.error());
    return DecodedText{std::move(*ansi), Encoding::Windows1252};
}

Result<DecodedText> decodeText(std::string_view bytes, std::string_view label, bool ansiFallback)
{
    return decodeText(std::as_bytes(std::span(bytes.data(), bytes.size())), label, ansiFallback);
}

std::vector<std::string_view> splitLines(std::string_view text)
{
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        std::size_t next = end;
        if (end == std::string_view::npos) {
            end = text.size();
            next = text.size();
        } else {
            ++next;
        }
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        lines.push_back(line);
        start = next;
    }
    return lines;
}

std::string_view trim(std::string_view text)
{
    auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && equalsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

std::string toUpper(std::string_view text)
{
    std::string out(text);
    for (auto &c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string toLower(std::string_view text)
{
    std::string out(text);
    for (auto &c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool parseDecimal(std::string_view text, std::uint32_t &value)
{
    if (text.empty() || text.size() > 10)
        return false;
    for (char c : text)
        if (c < '0' || c > '9')
            return false;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && ptr == text.data() + text.size();
}

void appendUtf8(std::string &out, char32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

} // namespace gpaudit::core
