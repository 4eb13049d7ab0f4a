// The arithmetic rawprogram/patch XMLs put in start_sector, byte_offset and value attributes:
// numbers (decimal, 0x-hex, an optional trailing '.'), NUM_DISK_SECTORS, + - * /, parentheses
// and CRC32(start_sector, byte_count). Evaluated by the virtual programmer as real ones do.
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>

namespace cr::sim {

struct ExpressionContext {
    std::uint64_t num_disk_sectors = 0;
    // CRC32 over `bytes` bytes starting at `sector`; empty: CRC32 is refused.
    std::function<std::uint32_t(std::uint64_t sector, std::uint64_t bytes)> crc32;
};

// Throws DecodeError naming the expression when it is malformed or divides by zero.
std::uint64_t evaluate_expression(std::string_view text, const ExpressionContext& context);

}  // namespace cr::sim
