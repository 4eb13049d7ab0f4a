// Qualcomm NAND partition table (PROTOCOLS.md §3), pure parse/write. The MIBIB block sits at
// sector (page) 0x280, 0x400 or 0x800; its page 0 carries the MIBIB magic (FE569FAC CD7F127A,
// version, age), page 1 the SMEM partition table: magic 55EE73AA E35EBDDB, version (3: up to 16
// entries, 4: up to 128), count, then entries {char name[16]; u32 offset; u32 length; u8 attr[4]}
// with offsets/lengths in erase blocks (length 0xFFFFFFFF: to the end of the chip).
// Fuzzed by tests/fuzz/fuzz_nand_table.cpp.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/partition/partition_map.hpp"
#include "src/util/bytes.hpp"

namespace cr::partition {

inline constexpr std::uint32_t kMibibMagic1 = 0xFE569FAC;
inline constexpr std::uint32_t kMibibMagic2 = 0xCD7F127A;
inline constexpr std::uint32_t kSmemPartMagic1 = 0x55EE73AA;
inline constexpr std::uint32_t kSmemPartMagic2 = 0xE35EBDDB;
inline constexpr std::uint32_t kNandGrowToEnd = 0xFFFFFFFF;

// Pages where a MIBIB may start, in the order to probe them.
inline constexpr std::array<std::uint64_t, 3> kMibibCandidateSectors{0x280, 0x400, 0x800};

struct NandEntry {
    std::string name;  // as stored ("0:EFS2"), at most 16 bytes
    std::uint32_t offset_blocks = 0;
    std::uint32_t length_blocks = 0;  // kNandGrowToEnd: rest of the chip
    std::array<std::uint8_t, 4> attr{};
};

struct NandTable {
    std::uint32_t version = 4;
    std::vector<NandEntry> entries;
};

// True when `page` starts with the MIBIB magic.
bool is_mibib_header(ByteView page);
// Parses the SMEM partition table page. Throws DecodeError (bad magic, version, count).
NandTable parse_nand_table(ByteView page);
// Page 0 and page 1 of a MIBIB block (each page_size bytes, 0xFF-filled).
Bytes write_mibib_header(std::uint32_t page_size);
Bytes write_nand_table(const NandTable& table, std::uint32_t page_size);

// The map by name in pages; entries past the chip are clipped, growing ones run to the end.
PartitionMap to_partition_map(const NandTable& table, std::uint32_t page_size,
                              std::uint32_t pages_per_block, std::uint64_t total_pages);

}  // namespace cr::partition
