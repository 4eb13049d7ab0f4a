// The virtual programmer's view of its flash: logical sectors as a host addresses them. On NAND
// the programmer skips factory bad blocks inside each MIBIB partition (a partition's data moves
// to the next good block; data past the partition's good blocks is refused); eMMC/UFS map 1:1.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "protocols/partition/partition_map.hpp"
#include "sim/core/virtual_module.hpp"

namespace cr::sim {

// Factory bad blocks (physical erase blocks) of a NAND module: state.extra["firehose"].
std::set<std::uint64_t> bad_blocks(const ModuleState& state);
void set_bad_blocks(VirtualModule& module, const std::set<std::uint64_t>& blocks);
// The bad blocks a fresh module of this model gets (inside modem and system).
std::set<std::uint64_t> factory_bad_blocks(const ModelSpec& model);

// NAND page states (PROTOCOLS.md §3): a page programmed with all-0xFF data got ECC written, so
// it reads 0xFF but is no longer erased; only an erase of its block clears that. The physical
// pages in that state: state.extra["firehose"]["blank_programmed"] as [first, count] runs.
std::set<std::uint64_t> blank_programmed_pages(const ModuleState& state);
// True when any physical page in [first, first+count) is programmed-but-blank.
bool has_blank_programmed(const ModuleState& state, std::uint64_t first, std::uint64_t count);

class TargetStorage {
  public:
    // One LUN of the flash (NAND and eMMC have only LUN 0). Reads the bad-block list and
    // (NAND) the MIBIB currently on the flash.
    explicit TargetStorage(VirtualModule& module, std::uint32_t lun = 0);

    std::uint32_t sector_size() const { return sector_size_; }
    std::uint64_t total_sectors() const { return total_; }
    bool nand() const { return ppb_ != 0; }
    std::uint32_t pages_per_block() const { return ppb_; }

    // Logical I/O. write() returns false when part of the data fell past the good blocks of
    // its partition (that part is dropped, as a real programmer fails the write there).
    bool write(std::uint64_t sector, ByteView data);
    // Pages past a partition's good blocks read as erased (0xFF).
    void read(std::uint64_t sector, std::span<std::uint8_t> out);
    void erase(std::uint64_t sector, std::uint64_t count);
    void sync();

    // Physical block of a logical block; nullopt when it falls past the partition's good blocks.
    std::optional<std::uint64_t> map_block(std::uint64_t logical_block) const;

  private:
    void load_nand_map();
    void note_pages(std::uint64_t phys_page, ByteView data);  // NAND page states

    VirtualModule& module_;
    StorageImage& image_;
    std::uint32_t sector_size_;
    std::uint64_t total_;
    std::uint32_t ppb_;
    std::set<std::uint64_t> bad_;
    std::vector<partition::Partition> parts_;  // NAND, in pages
    std::set<std::uint64_t> blank_;            // NAND: programmed-but-blank physical pages
    bool blank_dirty_ = false;
};

}  // namespace cr::sim
