// "Open an EDL session on a Device": the one entry point every EDL workflow uses (flash,
// partition backup, calibration backup in EDL, rescue). It owns the EDL Transport and the
// FirehoseClient, and hands out the partition map by name.
//
// open():
//  1. opens device.open_edl() (NotFoundError when the device is not in EDL);
//  2. if a Sahara HELLO arrives: reads the chip identity (MSM HW ID, PK hash, serial) in Sahara
//     command mode, then uploads options.programmer, or else the programmer store's match for
//     that identity (NotFoundError naming the MSM HW ID/PK hash when there is none); a
//     programmer the target accepts from a file is remembered in the store;
//  3. if no HELLO comes (the programmer already runs), probes with a nop and reuses it;
//  4. configures (payload negotiation, memory type from options.memory, the chip's known
//     storage, or probing ufs/emmc/nand).
// Errors carry the device state ("in EDL, Sahara waiting for a programmer", "in EDL, Firehose
// running") and a next step.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/firehose/firehose_client.hpp"
#include "protocols/partition/partition_map.hpp"
#include "src/device/device.hpp"
#include "src/util/progress.hpp"

namespace cr {

struct EdlOptions {
    std::optional<std::filesystem::path> programmer;  // --programmer FILE
    std::filesystem::path programmer_dir;             // empty: default_programmer_dir()
    std::optional<firehose::MemoryType> memory;       // --memory
    bool zlp = true;                                  // --no-zlp clears (real USB only)
    std::size_t requested_payload = 1 << 20;
    ProgressFn progress;  // programmer upload progress
};

// What Sahara told us about the chip (empty fields when the session started in Firehose).
struct ChipIdentity {
    std::uint32_t msm_hw_id = 0;
    std::string pk_hash_hex;  // lowercase hex, 64 or 96 digits
    std::uint32_t serial = 0;
    bool known() const { return msm_hw_id != 0 || !pk_hash_hex.empty(); }
};

class EdlSession {
  public:
    static std::unique_ptr<EdlSession> open(Device& device, const EdlOptions& options);
    ~EdlSession();
    EdlSession(const EdlSession&) = delete;
    EdlSession& operator=(const EdlSession&) = delete;

    firehose::FirehoseClient& firehose() { return *client_; }
    Transport& transport() { return *transport_; }
    Device& device() { return device_; }
    const firehose::Configuration& configuration() const { return client_->configuration(); }
    firehose::MemoryType memory() const { return client_->configuration().memory; }
    std::uint32_t sector_size() const;
    std::size_t payload() const { return client_->configuration().max_payload_to_target; }
    const ChipIdentity& chip() const { return chip_; }
    // "uploaded prog_firehose_lite.elf", "reused a running programmer".
    const std::string& how_opened() const { return how_opened_; }
    // NAND pages per erase block (from getstorageinfo); 0 on eMMC/UFS.
    std::uint32_t pages_per_block();

    // The partition map, read on first use: the MIBIB for NAND; for eMMC/UFS the GPT of LUN 0
    // and of every further LUN getstorageinfo reports that holds one (LUNs without a GPT are
    // skipped).
    // Throws ProtocolError/DecodeError when the table is missing or corrupt.
    const partition::PartitionMap& partitions();
    // Throws NotFoundError listing the names there are.
    const partition::Partition& partition(std::string_view name);
    // Addressing for program/read/erase/sha256 of a whole partition (or a part of it:
    // first sector relative to the partition, count 0 = to its end). NAND adds PAGES_PER_BLOCK.
    firehose::Region region(const partition::Partition& part, std::uint64_t first = 0,
                            std::uint64_t count = 0);
    // Raw addressing (edl read --start/--count).
    firehose::Region raw_region(std::uint32_t lun, std::uint64_t start, std::uint64_t count);

    // power reset: the programmer ends and the device reboots to normal mode; the session is
    // unusable afterwards.
    void reset();

    EdlSession(Device& device, std::unique_ptr<Transport> transport);

  private:
    std::uint32_t gpt_luns();  // LUNs to look for a GPT on (num_physical, at most 8)

    Device& device_;
    std::unique_ptr<Transport> transport_;
    std::unique_ptr<firehose::FirehoseClient> client_;
    ChipIdentity chip_;
    std::string how_opened_;
    std::optional<partition::PartitionMap> map_;
    std::optional<std::uint32_t> pages_per_block_;
    std::uint64_t total_pages_ = 0;
    friend class EdlSessionOpener;
};

// Memory type of chips we know (MDM9207/SDX55/SDX62 NAND, MSM8916 eMMC); nullopt otherwise.
std::optional<firehose::MemoryType> known_memory_for(std::uint32_t msm_hw_id);

}  // namespace cr
