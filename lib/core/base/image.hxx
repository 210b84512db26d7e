// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// A compact binary form of data the build parsed once (the built-in rules: rules/*.yaml become the
// catalog and the mapping at build time, rules/image.cxx). A fresh gpauditctl reads it without a YAML
// parser: reading the three YAML files costs about 8 ms per process, this about 0.3 ms.
// The sync worker's messages (service/sync_wire.hxx) are in the same form.
// Bounded like any input: every length and count is checked against the bytes left, a short or
// corrupt image is an error naming the offset, never a crash or an oversized allocation.

#include "core/base/result.hxx"

#include <cstdint>
#include <string>
#include <string_view>

namespace gpaudit::core {

class ImageWriter {
  public:
    void u32(std::uint32_t value);
    void u64(std::uint64_t value);
    void str(std::string_view text); // any bytes (NUL, 0xFF): the length says where it ends
    [[nodiscard]] std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

class ImageReader {
  public:
    // label: the error's file ("sync worker result"); data: what the error calls corrupt.
    ImageReader(std::string_view bytes, std::string label, std::string data = "built-in data")
        : bytes_(bytes), label_(std::move(label)), data_(std::move(data))
    {
    }

    // False (and failed() true from then on) when the image ends too soon.
    bool u32(std::uint32_t &value);
    bool u64(std::uint64_t &value);
    bool str(std::string &text);
    // A count of elements that each take at least minBytes: more than the bytes left is corrupt.
    bool count(std::uint32_t &value, std::size_t minBytes = 1);
    // Marks the image corrupt (a value out of range) at the current offset.
    bool corrupt(std::string_view what);

    [[nodiscard]] bool failed() const { return failed_; }
    [[nodiscard]] bool atEnd() const { return offset_ == bytes_.size(); }
    // The error for a failed read, or for bytes left over when the reader expected the end.
    [[nodiscard]] Error error() const;

  private:
    std::string_view bytes_;
    std::string label_;
    std::string data_;
    std::size_t offset_ = 0;
    bool failed_ = false;
    std::string why_;
};

} // namespace gpaudit::core
