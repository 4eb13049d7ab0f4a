// The memory a virtual module shows after a crash (Sahara memory-debug mode): a table of regions
// like real dumps (DDR, OCIMEM, CODERAM, reset status) with deterministic contents, so a saved
// dump can be checked byte for byte.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "protocols/sahara/sahara_packets.hpp"

namespace cr::sim {

struct CrashMemory {
    std::vector<sahara::MemoryRegion> regions;
    std::uint64_t table_addr = 0;  // where the table itself "lives" (read with MEMORY_READ)
    bool wide = false;             // 64-bit table (MEMORY_DEBUG_64) for v3 targets
    std::uint32_t seed = 0;        // contents differ per chip
};

// The regions of a crashed module with this chip id; `wide` picks the 64-bit table.
CrashMemory crash_memory_for(std::uint32_t msm_hw_id, bool wide);
// The table as the target sends it.
Bytes crash_table_bytes(const CrashMemory& memory);
// Contents of [addr, addr+out.size()): the table, or inside one region. False when the range is
// not entirely inside one of them (the target then NAKs the read).
bool read_crash_memory(const CrashMemory& memory, std::uint64_t addr, std::span<std::uint8_t> out);

}  // namespace cr::sim
