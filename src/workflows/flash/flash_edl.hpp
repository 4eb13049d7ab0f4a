// The EDL side of flashing and partition restore: a FlashTarget over engineer F's EdlSession,
// and the device-level entry points the CLI calls.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "src/workflows/backup/partition_backup.hpp"
#include "src/workflows/flash/flash.hpp"
#include "src/workflows/session/edl_session.hpp"

namespace cr::workflows {

// Identity as far as EDL tells it (chip serial, MSM HW ID, PK hash; model = `model` or the
// programmer's TargetName). IMEIs are not visible in EDL.
archive::DeviceIdentity edl_identity(EdlSession& session, const std::string& model = {});

// Normal mode: switch to EDL over DIAG; EDL: nothing; otherwise NotFoundError with the next step.
void ensure_edl(Device& device);

firehose::Region to_firehose_region(const package::Region& region);

class EdlFlashTarget : public FlashTarget {
  public:
    EdlFlashTarget(EdlSession& session, archive::DeviceIdentity identity);
    archive::DeviceIdentity identity() override { return identity_; }
    std::optional<std::uint64_t> num_disk_sectors(std::uint32_t lun) override;
    std::optional<package::StorageFacts> storage() override;
    std::vector<package::Region> calibration_partitions() override;
    void read(const package::Region& region, const ByteSink& sink,
              const ProgressFn& progress) override;
    void erase(const package::FlashStep& step) override;
    void program(const package::FlashStep& step, const ProgressFn& progress) override;
    void patch(const package::RawOp& patch) override;
    void reset() override;

  private:
    void program_sparse(const package::FlashStep& step, const ProgressFn& progress);
    EdlSession& session_;
    archive::DeviceIdentity identity_;
};

// `flash --dry-run -d DEV`: the plan with the device's storage known. A device in EDL is asked
// with read-only commands only (getstorageinfo, partition-table reads); one in another mode is
// not switched: the plan is made from the package alone and a note says the storage was not
// checked. UsageError naming the XML line when the package cannot fit the storage.
FlashReport plan_flash_on_device(Device& device, const FlashOptions& options);

struct PartitionRestoreRequest {
    std::filesystem::path bundle;
    PartitionRestoreOptions restore;
    EdlOptions edl;
    bool reset = false;  // power reset afterwards
};

// `cellrescue edl restore-partition`: opens an EDL session and restores the bundle onto the
// device (identity check, verify before writing, read-back after).
std::vector<RestoredPartition> restore_partition_bundle(Device& device,
                                                        const PartitionRestoreRequest& request,
                                                        const ProgressFn& progress = {});

}  // namespace cr::workflows
