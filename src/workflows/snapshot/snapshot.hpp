// `cellrescue snapshot`: the whole module into one verified bundle, and writing it back.
//
// take_snapshot:
//  1. module in normal mode: read its AT settings record and its calibration over DIAG (a module
//     that does not answer is noted, not an error: a broken module is what gets snapshotted);
//     then switch to EDL;
//  2. in EDL: every partition of the partition map (NAND: MIBIB partitions, read through the
//     programmer, which skips bad blocks; all-0xFF pages are recorded as erased), plus both GPT
//     copies on GPT storage, streamed into one bundle (kind snapshot, snapshot_layout.hpp) with
//     the device identity (chip serial from Sahara, IMEI from AT when known);
//  3. the bundle is committed atomically and re-read in full (BundleWriter): a module that drops
//     out leaves nothing under the final name.
//
// restore_snapshot:
//  1. before touching the device: whole-file checksum and every entry's SHA-256, every entry's
//     layout (a truncated or corrupted snapshot is refused);
//  2. the snapshot must be this device's (chip serial / IMEI, snapshot_identity.hpp);
//     --other-device restores a foreign snapshot; its calibration partitions only with --imei
//     (this module's own, Luhn-checked), after backing up this module's own calibration
//     partitions into the store, and the IMEI is corrected over DIAG after the reset; a partial
//     restore (--only) is refused when the device's partition table places a partition elsewhere
//     than the snapshot recorded;
//  3. per entry: NAND erases the region and programs only the pages that were not erased (the
//     programmer maps logical pages onto good blocks, so a bad block that appeared since the dump
//     only shifts data; data that no longer fits is the programmer's NAK: that entry is reported
//     failed and the restore goes on with the others); other storage programs the region;
//     every entry is read back and compared by SHA-256;
//  4. with reset: power reset, and the settings record is re-applied and verified over AT.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nv/restore_plan.hpp"
#include "src/archive/bundle.hpp"
#include "src/device/device.hpp"
#include "src/util/progress.hpp"
#include "src/workflows/session/edl_session.hpp"
#include "src/workflows/settings/settings_device.hpp"

namespace cr::workflows {

struct SnapshotOptions {
    std::optional<std::filesystem::path> output;  // -o FILE; default: a new name in the store
    std::filesystem::path store_dir;              // the backup store (calibration, default -o)
    EdlOptions edl;
    std::string model;             // recorded in the identity when known
    bool normal_mode_data = true;  // settings + calibration when the module is in normal mode
    ProgressFn progress;
};

struct SnapshotEntrySummary {
    std::string name;
    std::string role;
    std::uint64_t bytes = 0;
    std::uint64_t erased_sectors = 0;
    std::string sha256;
};

struct SnapshotReport {
    std::filesystem::path file;
    archive::DeviceIdentity identity;
    std::string storage;  // "nand", "ufs", "emmc"
    std::string table;    // "gpt", "mibib"
    std::vector<SnapshotEntrySummary> entries;
    bool settings = false, calibration = false;
    std::vector<std::string> notes;  // what was not included, and why
    double seconds = 0;
};
nlohmann::json to_json(const SnapshotReport& report);
std::string describe(const SnapshotReport& report);

SnapshotReport take_snapshot(Device& device, const SnapshotOptions& options);

struct SnapshotRestoreOptions {
    std::vector<std::string> only;  // entry names (empty: every partition and GPT copy)
    bool other_device = false;
    nv::ImeiOverride imeis;           // --imei/--imei2 (--other-device): this module's own
    std::filesystem::path store_dir;  // where this module's calibration is backed up first
    bool reset = true;                // power reset at the end
    bool restore_settings = true;     // after the reset, re-apply the snapshot's settings record
    EdlOptions edl;
    Millis come_back{120000};  // normal mode after the reset
    ProgressFn progress;
};

struct RestoredEntry {
    std::string name;
    std::uint64_t bytes = 0;
    std::uint64_t programmed_sectors = 0;
    std::uint64_t skipped_erased = 0;
    bool erased_first = false;
    bool verified = false;
    std::string error;  // why it failed (written partly or not at all); empty when verified
};

struct SnapshotRestoreReport {
    std::filesystem::path file;
    std::vector<RestoredEntry> entries;
    std::vector<std::string> skipped;  // entries not written, with why
    std::optional<SettingsApplyReport> settings;
    std::optional<std::filesystem::path> own_calibration;  // --other-device --imei: backed up
    std::vector<std::string> imeis_after;                  // after the IMEI correction
    std::vector<std::string> notes;
    bool ok() const;
};
nlohmann::json to_json(const SnapshotRestoreReport& report);
std::string describe(const SnapshotRestoreReport& report);

// Checks the whole snapshot (checksum, digests, layouts) without a device; throws
// DecodeError/VerifyError. Returns the opened reader.
archive::BundleReader open_snapshot(const std::filesystem::path& file);

SnapshotRestoreReport restore_snapshot(Device& device, const std::filesystem::path& file,
                                       const SnapshotRestoreOptions& options);

}  // namespace cr::workflows
