// SPDX-License-Identifier: GPL-2.0-or-later
// The built-in rules image (core/linux/rules_image.hxx): any bytes give an error or a value; a value
// written again reads back equal.
#include "core/linux/rules_image.hxx"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char *>(data), size);
    auto image = gpaudit::core::readRulesImage(bytes, "fuzz");
    if (!image)
        return 0;
    const auto written = gpaudit::core::writeRulesImage(image->catalog, image->mapping);
    auto again = gpaudit::core::readRulesImage(written, "fuzz");
    if (!again || !(again->catalog == image->catalog) || !(again->mapping == image->mapping))
        __builtin_trap(); // what was read must survive writing
    return 0;
}
