// Whether a backup holds calibration at all, judged from its own bytes: a bundle taken of an
// already blank efs2 (a rerun after a killed factory flash) must never be chosen over a real one.
//
// A raw calibration partition is blank when every byte is erased (0xFF on NAND, 0x00 on
// eMMC/UFS), or, for efs2, when it holds no calibration file name: EFS2 keeps its file and
// directory names as plain bytes, and a calibrated EFS has the "rfnv" directory
// (/nv/item_files/rfnv, RF calibration); the factory EFS (cefs.mbn) a factory flash writes and
// the skeleton a modem rebuilds have none. modemst1/2, fsg and fsc may be encrypted: only
// "erased" is judged there, any other content counts as data.
// A partition that already begins with the image a flash is about to write there (the
// factory cefs.mbn over efs2) is blank too: an earlier run of the same flash was interrupted
// after overwriting it, and the calibration names that may remain behind the written part
// belong to an EFS that no longer mounts.
// A calibration (DIAG) bundle is blank when it holds neither an IMEI nor an rfnv file.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "src/archive/backup_store.hpp"
#include "src/util/bytes.hpp"

namespace cr::workflows {

enum class PartitionContent { erased, no_calibration, package_image, calibration, data };
std::string_view to_string(PartitionContent content);  // "erased", "no-calibration", ...
bool is_blank(PartitionContent content);

// Fed a partition's bytes in order (any chunking).
class PartitionContentScan {
  public:
    // `incoming`: the first bytes of the image about to be written to this partition (empty:
    // none); a partition whose first 4 KiB (or all, for a smaller image) are theirs is
    // package_image.
    explicit PartitionContentScan(std::string_view label, Bytes incoming = {});
    void feed(ByteView data);
    PartitionContent result() const;

  private:
    bool efs2_ = false;
    bool all_ff_ = true, all_00_ = true, any_ = false, named_ = false;
    std::string tail_;  // the last bytes of the previous chunk (a name split across chunks)
    Bytes incoming_;
    std::uint64_t seen_ = 0;
    std::uint64_t matched_ = 0;  // leading bytes equal to incoming_
    bool incoming_match_ = true;
};

// Whether an entry name is one of the raw calibration partitions (efs2, modemst1/2, fsg, fsc).
bool is_calibration_partition(std::string_view name);

struct BackupContent {
    bool blank = false;
    std::string summary;                  // "efs2: calibration", "efs2: erased (all 0xFF)"
    std::vector<std::string> restorable;  // partition bundles: the non-blank calibration entries
};

// Partition bundles: from the verdicts recorded at backup time (manifest metadata "content"),
// else by reading the entries (a bundle made before they were recorded). A bundle that cannot
// be read is reported blank with the reason. Calibration bundles: from the manifest.
BackupContent backup_content(const archive::StoredBundle& bundle);

}  // namespace cr::workflows
