// SPDX-License-Identifier: GPL-2.0-or-later
// The sync worker's result (service/sync_wire.hxx): any bytes give an error or a value; a value written
// again is the same bytes (one encoding per value) and reads back equal.
#include "service/sync_wire.hxx"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char *>(data), size);
    auto result = gpaudit::service::decodeWorkerResult(bytes);
    if (!result)
        return 0;
    const auto written = gpaudit::service::encodeWorkerResult(*result);
    auto again = gpaudit::service::decodeWorkerResult(written);
    if (written != bytes || !again || !(*again == *result))
        __builtin_trap(); // what was read must survive writing
    return 0;
}
