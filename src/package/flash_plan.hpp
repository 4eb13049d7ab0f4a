// The ordered plan for flashing a package (NAND known-good order, PROTOCOLS.md §3):
//   1. erase of the boot chain, 2. the other erases, 3. every program except the boot chain,
//   4. the boot chain programs, 5. DISK patches, 6. power reset.
// The boot chain goes by label (sbl, sbl1, xbl, xbl_config, abl, with _a/_b slots); on NAND the
// entry at sector 0 also counts. On GPT storage sector 0 is PrimaryGPT, not the SBL.
// Each step records whether it touches calibration: a calibration label (efs2, efs2apps,
// modemst1, modemst2, fsg, fsc, modem_st1, modem_st2; case-insensitive), a region or label the
// package's factory XML writes (cefs.mbn at 1280 on EC25), or a region the caller names (e.g.
// from the device's partition table). A plan that writes the partition table (PrimaryGPT,
// BackupGPT, mibib) puts every calibration partition the device names among the regions.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/package/package.hpp"

namespace cr::package {

enum class StepKind { erase, program, patch, reset };
std::string_view to_string(StepKind kind);

// A sector range on one physical partition (LUN).
struct Region {
    std::string label;
    std::uint32_t physical_partition = 0;
    std::uint32_t sector_size = 0;
    std::uint64_t start_sector = 0;
    std::uint64_t num_sectors = 0;
    std::uint32_t pages_per_block = 0;  // NAND (for a read/erase of the same region)
};
bool overlaps(const Region& a, const Region& b);  // same LUN and byte ranges intersect

struct FlashStep {
    StepKind kind = StepKind::program;
    RawOp op;                                   // as parsed (patch/erase/program)
    std::optional<std::filesystem::path> file;  // program: the image
    std::uint64_t bytes = 0;                    // program: bytes sent (whole sectors)
    std::uint64_t file_bytes = 0;               // program: bytes taken from `file` (expanded)
    std::optional<SparseLayout> sparse;         // program of a sparse image: only its data
                                                // runs are sent (`bytes` counts them)
    std::optional<Region> region;               // erase/program: resolved sectors (when known)
    bool is_sbl = false;                        // part of the boot chain (is_boot_label)
    bool touches_calibration = false;
    std::string calibration_reason;  // "label efs2", "factory XML writes cefs.mbn"
};

struct FlashPlan {
    std::string storage;  // "nand", "emmc", "ufs" (from the XMLs: PAGES_PER_BLOCK, sector size)
    std::vector<FlashStep> steps;
    // The calibration regions the plan writes or erases (what the guard must back up first),
    // one per distinct region, in plan order.
    std::vector<Region> calibration_regions;
};

// The target's storage as the device reports it (read-only getstorageinfo).
struct StorageFacts {
    std::string memory;                 // "nand", "emmc", "ufs"
    std::uint32_t sector_size = 0;      // bytes per sector (NAND: per page)
    std::uint32_t pages_per_block = 0;  // NAND
    std::uint32_t luns = 0;             // physical partitions (0: not reported)
};

struct PlanOptions {
    // Needed to resolve NUM_DISK_SECTORS expressions (unknown in --dry-run without a device):
    // `lun_sectors` per physical partition (each LUN has its own size), else num_disk_sectors.
    std::optional<std::uint64_t> num_disk_sectors;
    // Extra calibration regions known from the device (its partition table).
    std::vector<Region> known_calibration;
    bool reset = true;  // append a power reset step
    std::map<std::uint32_t, std::uint64_t> lun_sectors;
    // When known, every entry must fit it (sector size, LUN, storage type, end of the LUN):
    // make_flash_plan refuses the package otherwise, before anything is written.
    std::optional<StorageFacts> storage;
};

// Pure: builds the plan from a validated package. Throws DecodeError for unresolvable sectors
// on a step that must be resolved, UsageError (naming the XML file and line) for an entry the
// known storage cannot hold.
FlashPlan make_flash_plan(const Package& package, const PlanOptions& options = {});

// partition::is_calibration_name: efs2, efs2apps, modemst1/2, fsg, fsc, modem_st1/2.
bool is_calibration_label(std::string_view label);
// sbl, sbl1-3, xbl, xbl_config, abl (and their _a/_b slots), case-insensitive.
bool is_boot_label(std::string_view label);

nlohmann::json to_json(const FlashStep& step);
nlohmann::json to_json(const FlashPlan& plan);
std::string describe(const FlashPlan& plan);  // a table for humans

}  // namespace cr::package
