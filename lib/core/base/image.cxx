// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/base/image.hxx"

namespace gpaudit::core {

void ImageWriter::u32(std::uint32_t value)
{
    for (int shift = 0; shift < 32; shift += 8)
        out_.push_back(static_cast<char>((value >> shift) & 0xFFU));
}

void ImageWriter::u64(std::uint64_t value)
{
    for (int shift = 0; shift < 64; shift += 8)
        out_.push_back(static_cast<char>((value >> shift) & 0xFFU));
}

void ImageWriter::str(std::string_view text)
{
    u32(static_cast<std::uint32_t>(text.size()));
    out_.append(text);
}

bool ImageReader::u32(std::uint32_t &value)
{
    if (failed_)
        return false;
    if (bytes_.size() - offset_ < 4)
        return corrupt("ends inside a number");
    value = 0;
    for (int i = 0; i < 4; ++i)
        value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes_[offset_ + i])) << (8 * i);
    offset_ += 4;
    return true;
}

bool ImageReader::u64(std::uint64_t &value)
{
    if (failed_)
        return false;
    if (bytes_.size() - offset_ < 8)
        return corrupt("ends inside a number");
    value = 0;
    for (int i = 0; i < 8; ++i)
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[offset_ + i])) << (8 * i);
    offset_ += 8;
    return true;
}

bool ImageReader::str(std::string &text)
{
    std::uint32_t size = 0;
    if (!u32(size))
        return false;
    if (size > bytes_.size() - offset_)
        return corrupt("a text longer than the bytes left");
    text.assign(bytes_.substr(offset_, size));
    offset_ += size;
    return true;
}

bool ImageReader::count(std::uint32_t &value, std::size_t minBytes)
{
    if (!u32(value))
        return false;
    if (minBytes > 0 && value > (bytes_.size() - offset_) / minBytes)
        return corrupt("a count larger than the bytes left");
    return true;
}

bool ImageReader::corrupt(std::string_view what)
{
    if (!failed_) {
        failed_ = true;
        why_ = std::string(what);
    }
    return false;
}

Error ImageReader::error() const
{
    const auto message = failed_ ? "corrupt " + data_ + ": " + why_ + " at byte " + std::to_string(offset_)
                                 : "corrupt " + data_ + ": " + std::to_string(bytes_.size() - offset_) +
                                       " bytes after the end at byte " + std::to_string(offset_);
    return Error{Location{label_, 0, 0}, message};
}

} // namespace gpaudit::core
