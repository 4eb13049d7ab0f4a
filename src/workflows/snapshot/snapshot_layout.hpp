// What a snapshot bundle says about each entry (pure: no device, no files). A snapshot is a
// bundle of kind "snapshot" (src/archive/bundle.hpp) whose entries are:
//   - one per partition of the partition map, named by its label ("efs2", "modem");
//   - GPT storage: "gpt_primary/lun<N>" (LBA 0 .. first usable) and "gpt_backup/lun<N>" (the
//     backup entry array and header at the end of the LUN);
//   - "settings.json" (the AT settings record) and "calibration.crb" (the DIAG calibration
//     bundle) when the module was reachable in normal mode first.
// Entry metadata: {"role": "partition"|"gpt_primary"|"gpt_backup"|"settings"|"calibration",
//   "label", "physical_partition", "sector_size", "start_sector", "num_sectors",
//   "pages_per_block", "erased": [[first, count], ...]} (erased: NAND pages, relative to the
//   region's start, that read all 0xFF: a restore erases the blocks and does not program them).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/package/flash_plan.hpp"  // Region
#include "src/util/bytes.hpp"

namespace cr::workflows::snapshot {

enum class Role { partition, gpt_primary, gpt_backup, settings, calibration };
std::string_view to_string(Role role);

// [first, first+count) in sectors, relative to the region's start.
struct SectorRun {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
    bool operator==(const SectorRun&) const = default;
};

struct EntryLayout {
    Role role = Role::partition;
    package::Region region;         // device addressing (partition/gpt roles only)
    std::vector<SectorRun> erased;  // NAND pages that read erased (sorted, disjoint)
    bool on_device() const { return role != Role::settings && role != Role::calibration; }
};

nlohmann::json to_json(const EntryLayout& layout);
// Validates everything a restore relies on: known role, sector size > 0, region size equal to
// `entry_size`, erased runs sorted, disjoint, non-empty and inside the region. Throws
// DecodeError naming the entry.
EntryLayout layout_from_json(const nlohmann::json& json, const std::string& entry,
                             std::uint64_t entry_size);

// The runs of sectors that must be programmed: the region minus its erased runs.
std::vector<SectorRun> programmed_runs(const EntryLayout& layout);

// Finds all-0xFF sectors in a stream of whole sectors, pushed in pieces of any size.
class ErasedTracker {
  public:
    explicit ErasedTracker(std::uint32_t sector_size) : sector_size_(sector_size) {}
    void update(ByteView data);
    // Throws DecodeError when the bytes did not end on a sector boundary.
    std::vector<SectorRun> finish();

  private:
    void close_sector();
    std::uint32_t sector_size_;
    std::uint64_t sector_ = 0;  // index of the sector being filled
    std::uint32_t filled_ = 0;  // bytes of it seen
    bool all_ff_ = true;
    std::vector<SectorRun> runs_;
};

}  // namespace cr::workflows::snapshot
