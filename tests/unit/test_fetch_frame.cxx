// SPDX-License-Identifier: GPL-2.0-or-later
// The SMB fetch workers' frames (core/base/fetch_frame): encoding, decoding from pieces of any size,
// the bounds of each kind, and a stream refused for good after a bad frame.
#include "core/base/fetch_frame.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;
using namespace std::literals;

namespace {
std::string frameBytes(char kind, std::uint8_t flags, std::uint32_t length, std::string_view payload = {})
{
    std::string out{kind, static_cast<char>(flags)};
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(static_cast<char>((length >> shift) & 0xFFU));
    out += payload;
    return out;
}
} // namespace

TEST_CASE("a frame is its kind, flags, length (little-endian) and payload")
{
    CHECK(encodeFetchFrame({FetchFrame::Kind::Request, 0, "smb://dc1/x"}) == frameBytes('Q', 0, 11, "smb://dc1/x"));
    CHECK(encodeFetchFrame({FetchFrame::Kind::Absent, kFetchReconnected, ""}) == "A\x01\0\0\0\0"s);
    const std::string big(0x010203, 'x');
    CHECK(encodeFetchFrame({FetchFrame::Kind::Content, 0, big}).substr(0, 6) == "C\0\x03\x02\x01\0"s);
}

TEST_CASE("frames come back whole from a stream fed byte by byte, and together")
{
    const std::string binary("\0\xff\r\n\x1b[2J"s);
    std::string stream =
        encodeFetchFrame({FetchFrame::Kind::Content, 0, binary}) +
        encodeFetchFrame({FetchFrame::Kind::Absent, kFetchReconnected, ""}) +
        encodeFetchFrame({FetchFrame::Kind::Error, 0, "SMB: cannot open smb://dc1/x: Permission denied"}) +
        encodeFetchFrame({FetchFrame::Kind::Content, 0, ""});
    for (std::size_t piece : {std::size_t{1}, std::size_t{5}, stream.size()}) {
        FetchFrameReader reader(100);
        std::vector<FetchFrame> got;
        for (std::size_t at = 0; at < stream.size(); at += piece) {
            reader.feed(std::string_view(stream).substr(at, piece));
            while (true) {
                auto frame = reader.next();
                REQUIRE(frame);
                if (!*frame)
                    break;
                got.push_back(std::move(**frame));
            }
        }
        CAPTURE(piece);
        REQUIRE(got.size() == 4);
        CHECK(got[0].kind == FetchFrame::Kind::Content);
        CHECK(got[0].payload == binary);
        CHECK(got[1].kind == FetchFrame::Kind::Absent);
        CHECK(got[1].flags == kFetchReconnected);
        CHECK(got[2].kind == FetchFrame::Kind::Error);
        CHECK(got[2].payload == "SMB: cannot open smb://dc1/x: Permission denied");
        CHECK(got[3].kind == FetchFrame::Kind::Content);
        CHECK(got[3].payload.empty());
        CHECK(reader.pending() == 0);
    }
}

TEST_CASE("an incomplete frame waits for more bytes; pending() tells a stream cut mid-frame")
{
    FetchFrameReader reader(100);
    reader.feed(frameBytes('C', 0, 10, "12345"));
    auto frame = reader.next();
    REQUIRE(frame);
    CHECK_FALSE(*frame);
    CHECK(reader.pending() == 11);
    reader.feed("67890");
    frame = reader.next();
    REQUIRE(frame);
    REQUIRE(*frame);
    CHECK((*frame)->payload == "1234567890");
}

TEST_CASE("each kind's bound: content up to the maximum file size, URLs and errors up to 4096 bytes")
{
    auto first = [](std::size_t maxContent, const std::string &bytes) {
        FetchFrameReader reader(maxContent);
        reader.feed(bytes);
        return reader.next();
    };
    CHECK(first(10, frameBytes('C', 0, 10, "0123456789")));
    auto over = first(10, frameBytes('C', 0, 11));
    REQUIRE_FALSE(over);
    CHECK(over.error().message == "fetch worker protocol: a frame of 11 bytes where at most 10 are allowed");
    // Refused from the header alone: a huge length is never waited for.
    CHECK_FALSE(first(1 << 20, frameBytes('C', 0, 0xFFFFFFFFU)));
    CHECK(first(0, frameBytes('Q', 0, kMaxFetchUrl, std::string(kMaxFetchUrl, 'u'))));
    CHECK_FALSE(first(0, frameBytes('Q', 0, kMaxFetchUrl + 1)));
    CHECK(first(0, frameBytes('E', 0, kMaxFetchError, std::string(kMaxFetchError, 'e'))));
    CHECK_FALSE(first(0, frameBytes('E', 0, kMaxFetchError + 1)));
    CHECK_FALSE(first(0, frameBytes('A', 0, 1, "x")));
}

TEST_CASE("an unknown kind or flag refuses the stream, and everything after it")
{
    FetchFrameReader reader(100);
    reader.feed(frameBytes('Z', 0, 0));
    auto bad = reader.next();
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "fetch worker protocol: unknown frame kind 90");
    reader.feed(encodeFetchFrame({FetchFrame::Kind::Absent, 0, ""}));
    CHECK_FALSE(reader.next()); // still refused

    FetchFrameReader flags(100);
    flags.feed(frameBytes('A', 0x02, 0));
    CHECK(flags.next().error().message == "fetch worker protocol: unknown flags 2");
    FetchFrameReader request(100);
    request.feed(frameBytes('Q', kFetchReconnected, 0));
    CHECK_FALSE(request.next()); // a request carries no flag
}
