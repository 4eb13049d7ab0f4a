// GUID partition table (eMMC/UFS), pure parse/write. Primary header at LBA 1, entries where the
// header says; header and entry-array CRC32s checked (zlib crc32); names UTF-16LE.
// Fuzzed by tests/fuzz/fuzz_gpt.cpp.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/partition/partition_map.hpp"
#include "src/util/bytes.hpp"

namespace cr::partition {

using Guid = std::array<std::uint8_t, 16>;

struct GptEntry {
    Guid type{};
    Guid unique{};
    std::uint64_t first_lba = 0;
    std::uint64_t last_lba = 0;  // inclusive
    std::uint64_t attributes = 0;
    std::string name;  // UTF-8 (from UTF-16LE)
};

struct GptHeader {
    std::uint32_t sector_size = 4096;
    std::uint64_t current_lba = 1;
    std::uint64_t backup_lba = 0;
    std::uint64_t first_usable = 0;
    std::uint64_t last_usable = 0;
    Guid disk_guid{};
    std::uint64_t entries_lba = 2;
    std::uint32_t num_entries = 128;
    std::uint32_t entry_size = 128;
    std::uint32_t entries_crc = 0;
};

struct Gpt {
    GptHeader header;
    std::vector<GptEntry> entries;  // used entries only (non-zero type GUID), in table order
};

// Parses the header sector (signature "EFI PART", header size, header CRC). Throws DecodeError.
GptHeader parse_gpt_header(ByteView sector, std::uint32_t sector_size);
// Parses the entry array the header points at (entries CRC, bounds: first<=last within the
// usable range). `entries` must hold at least num_entries*entry_size bytes. Throws DecodeError.
std::vector<GptEntry> parse_gpt_entries(const GptHeader& header, ByteView entries);
// Bytes of the entry array from the header's entries_lba (rounded up to whole sectors).
std::uint64_t gpt_entries_bytes(const GptHeader& header);
// Convenience: `disk_start` holds LBA 0 onwards, at least through the entry array.
Gpt parse_gpt(ByteView disk_start, std::uint32_t sector_size);

// Writes a protective MBR + primary header + entries (LBA 0 .. entries end) for a disk of
// `total_sectors`, and the backup (entries then header) that belongs in the disk's last sectors.
struct GptImage {
    Bytes primary;  // starts at LBA 0
    Bytes backup;   // starts at backup_start_lba
    std::uint64_t backup_start_lba = 0;
};
GptImage write_gpt(const std::vector<GptEntry>& entries, std::uint32_t sector_size,
                   std::uint64_t total_sectors, const Guid& disk_guid);

// The map by name (lun given by the caller).
PartitionMap to_partition_map(const Gpt& gpt, std::uint32_t lun);

}  // namespace cr::partition
