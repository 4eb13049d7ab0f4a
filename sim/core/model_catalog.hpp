// The virtual modules' identities and storage maps. Facts from PROTOCOLS.md §1-§3; the partition
// maps follow real modules' shapes (EC25: efs2 at sector 1280 = 0x500000 right after SBL+MIBIB).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cr::sim {

enum class StorageKind { nand, emmc, ufs, none };
enum class Vendor { quectel, ublox };

struct PartitionSpec {
    std::string name;
    std::uint64_t start_sector;
    std::uint64_t num_sectors;
    bool calibration = false;  // efs2; modemst1/modemst2/fsg: the regions backups protect
    std::uint32_t lun = 0;     // UFS physical partition (LUN) it lives on; 0 elsewhere
};

struct ModelSpec {
    std::string id;       // "rm520n": what `sim:<id>` and `--model` take
    std::string product;  // "Quectel RM520N-GL"
    Vendor vendor;
    std::uint16_t vid;  // normal-mode USB ids
    std::uint16_t pid;
    std::uint32_t msm_hw_id;  // Sahara MSM HW ID (0: no EDL path)
    std::string target_name;  // Firehose TargetName ("9x07", "SDX62")
    std::uint32_t sahara_version;
    StorageKind storage;
    std::uint32_t sector_size;
    std::uint64_t total_sectors;
    std::uint32_t pages_per_block;        // NAND only
    std::uint32_t max_payload_to_target;  // what its Firehose programmer supports
    std::vector<PartitionSpec> partitions;
    std::string firmware;         // default firmware revision (ATI / AT+QGMR / ATI9)
    std::string programmer_name;  // the file name its packages ship
    // Sectors of each LUN (UFS: several; eMMC/NAND: empty = one LUN of total_sectors).
    std::vector<std::uint64_t> lun_sectors = {};
};

std::span<const ModelSpec> all_models();
const ModelSpec* find_model(std::string_view id);
// Throws UsageError listing the known models.
const ModelSpec& require_model(std::string_view id);
// Modules reached over PCIe/MHI (BHI + mhi_EDL/mhi_DIAG nodes) instead of USB ("-pcie" ids).
bool is_pcie(const ModelSpec& model);
const PartitionSpec* find_partition(const ModelSpec& model, std::string_view name);
// Physical partitions (LUNs) the storage has, and the sectors of one (0 past the last).
std::uint32_t lun_count(const ModelSpec& model);
std::uint64_t lun_sectors(const ModelSpec& model, std::uint32_t lun);
// Where the live EFS lives: efs2 on NAND, modemst1 on eMMC/UFS (nullptr: no such partition).
const PartitionSpec* efs_partition(const ModelSpec& model);

}  // namespace cr::sim
