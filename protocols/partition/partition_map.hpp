// A storage map by name, whatever table it came from (GPT on eMMC/UFS, MIBIB on NAND).
// Addresses are in Firehose sectors (NAND: pages) of the storage's sector size.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cr::partition {

struct Partition {
    std::string name;       // normalized: lowercase, NAND "0:" prefix removed ("efs2")
    std::string raw_name;   // as the table stores it ("0:EFS2")
    std::uint32_t lun = 0;  // physical partition number
    std::uint64_t start_sector = 0;
    std::uint64_t num_sectors = 0;
    bool calibration = false;  // is_calibration_name (DESIGN.md safety rules)
};

struct PartitionMap {
    std::string source;  // "gpt" or "mibib"
    std::uint32_t sector_size = 0;
    std::vector<Partition> partitions;
    // Case-insensitive, accepts "0:EFS2" and "efs2"; nullptr when absent.
    const Partition* find(std::string_view name) const;
};

// Calibration labels (PROTOCOLS.md §3): NAND efs2/efs2apps; GPT modemst1, modemst2, fsg, fsc;
// also modem_st1/modem_st2 (case-insensitive, NAND "0:" prefix ignored).
bool is_calibration_name(std::string_view name);
// Lowercase, "0:" prefix stripped.
std::string normalize_name(std::string_view raw);

}  // namespace cr::partition
