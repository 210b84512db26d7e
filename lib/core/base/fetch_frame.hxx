// SPDX-License-Identifier: GPL-2.0-or-later
// The frames of the SMB fetch workers' protocol (domain/fetch_pool.hxx): a sync hands SYSVOL paths to
// worker processes over a stream socket and gets each file back. Pure: encoding and the bounded,
// incremental decoding of a byte stream; the socket and the processes are domain/fetch_pool's.
//   frame = kind (1 byte) | flags (1 byte) | length (4 bytes, little-endian) | length bytes
//   Request  'Q': the smb:// URL of one file (at most kMaxFetchUrl bytes)
//   Content  'C': the whole file (at most the maximum file size the decoder was given)
//   Absent   'A': the file does not exist (empty; MS-GPAC 3.2.5: no file = no settings)
//   Error    'E': the reader's error text (at most kMaxFetchError bytes)
// flags: bit 0 (kFetchReconnected) on an answer: the worker's SMB session had been dropped and was made
// again before it. Any other kind, flag bit or length refuses the whole stream: nothing after a bad
// frame is believed.
#pragma once

#include "core/base/result.hxx"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gpaudit::core {

inline constexpr std::size_t kMaxFetchUrl = 4096;
inline constexpr std::size_t kMaxFetchError = 4096;
inline constexpr std::size_t kFetchFrameHeader = 6;
inline constexpr std::uint8_t kFetchReconnected = 0x01;

struct FetchFrame {
    enum class Kind : std::uint8_t { Request = 'Q', Content = 'C', Absent = 'A', Error = 'E' };
    Kind kind = Kind::Request;
    std::uint8_t flags = 0;
    std::string payload;
};

// The bytes of one frame. The caller keeps to the bounds (a longer payload is the caller's bug: the
// decoder on the other side refuses it).
std::string encodeFetchFrame(const FetchFrame &frame);

// Frames out of a byte stream that arrives in pieces of any size.
class FetchFrameReader {
  public:
    // maxContent: the largest Content payload accepted (the sync's max_file_size).
    explicit FetchFrameReader(std::size_t maxContent) : maxContent_(maxContent) {}
    // Appends received bytes; the caller takes every complete frame (next() until nullopt) after each
    // feed, so what is buffered stays within one frame and one feed (a header is checked as soon as it
    // is complete, before its payload is awaited).
    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // The next complete frame; nullopt when more bytes are needed; an error for a frame out of
    // protocol (then every later call returns the same error).
    Result<std::optional<FetchFrame>> next();
    // Bytes received and not yet taken as a frame (a stream that ends here ended mid-frame).
    [[nodiscard]] std::size_t pending() const { return buffer_.size() - start_; }

  private:
    std::size_t maxContent_;
    std::string buffer_;
    std::size_t start_ = 0;
    std::optional<Error> broken_;
};

} // namespace gpaudit::core
