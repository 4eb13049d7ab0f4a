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
    bool calibration = false;  // efs2, fsg, modem_st1/st2: the region backups protect
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
};

std::span<const ModelSpec> all_models();
const ModelSpec* find_model(std::string_view id);
// Throws UsageError listing the known models.
const ModelSpec& require_model(std::string_view id);
// Modules reached over PCIe/MHI (BHI + mhi_EDL/mhi_DIAG nodes) instead of USB ("-pcie" ids).
bool is_pcie(const ModelSpec& model);
const PartitionSpec* find_partition(const ModelSpec& model, std::string_view name);

}  // namespace cr::sim
