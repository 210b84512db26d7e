// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/fetch_frame.hxx"

namespace gpaudit::core {

std::string encodeFetchFrame(const FetchFrame &frame)
{
    std::string out;
    out.reserve(kFetchFrameHeader + frame.payload.size());
    out.push_back(static_cast<char>(frame.kind));
    out.push_back(static_cast<char>(frame.flags));
    const auto length = static_cast<std::uint32_t>(frame.payload.size());
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(static_cast<char>((length >> shift) & 0xFFU));
    out += frame.payload;
    return out;
}

Result<std::optional<FetchFrame>> FetchFrameReader::next()
{
    if (broken_)
        return tl::unexpected(*broken_);
    auto refuse = [&](std::string message) -> Result<std::optional<FetchFrame>> {
        broken_ = Error{{}, "fetch worker protocol: " + std::move(message)};
        return tl::unexpected(*broken_);
    };
    if (pending() < kFetchFrameHeader)
        return std::nullopt;
    const auto *head = reinterpret_cast<const unsigned char *>(buffer_.data() + start_);
    std::uint32_t length = 0;
    for (int i = 3; i >= 0; --i)
        length = (length << 8) | head[2 + i];
    const std::uint8_t flags = head[1];
    std::size_t limit = 0;
    FetchFrame frame;
    switch (head[0]) {
    case 'Q':
        frame.kind = FetchFrame::Kind::Request;
        limit = kMaxFetchUrl;
        break;
    case 'C':
        frame.kind = FetchFrame::Kind::Content;
        limit = maxContent_;
        break;
    case 'A':
        frame.kind = FetchFrame::Kind::Absent;
        limit = 0;
        break;
    case 'E':
        frame.kind = FetchFrame::Kind::Error;
        limit = kMaxFetchError;
        break;
    default:
        return refuse("unknown frame kind " + std::to_string(head[0]));
    }
    if ((flags & ~kFetchReconnected) != 0 || (frame.kind == FetchFrame::Kind::Request && flags != 0))
        return refuse("unknown flags " + std::to_string(flags));
    if (length > limit)
        return refuse("a frame of " + std::to_string(length) + " bytes where at most " + std::to_string(limit) +
                      " are allowed");
    if (pending() - kFetchFrameHeader < length)
        return std::nullopt;
    frame.flags = flags;
    frame.payload.assign(buffer_, start_ + kFetchFrameHeader, length);
    start_ += kFetchFrameHeader + length;
    if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    } else if (start_ > 65536) {
        buffer_.erase(0, start_);
        start_ = 0;
    }
    return frame;
}

} // namespace gpaudit::core
