// `cellrescue flash`: validate a firmware package, plan it, guard calibration, flash it.
//
// Contract (DESIGN.md safety rules):
// - The package is fully validated (open_package) before the device is touched.
// - dry_run builds and returns the plan and never opens the device.
// - Before the first step that writes or erases a calibration region, every calibration region
//   of the plan is read into ONE verified partition bundle in the backup store (device identity
//   recorded). If that fails, flashing stops before any write (SafetyError naming the cause).
//   Skipping the backup needs both no_backup and i_understand_calibration_loss.
// - A device that vanishes mid-flash raises DeviceGoneError whose text lists the partitions
//   completed and the SBL state (whether the module still boots).
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/archive/bundle.hpp"
#include "src/device/device.hpp"
#include "src/package/flash_plan.hpp"
#include "src/util/progress.hpp"
#include "src/workflows/settings/settings_flash.hpp"

namespace cr::workflows {

struct FlashOptions {
    std::filesystem::path package;
    bool dry_run = false;
    bool factory = false;
    bool no_md5 = false;  // do not check md5.txt (loud; recorded in the report)
    std::optional<std::filesystem::path> programmer;  // overrides the package's programmer
    bool no_backup = false;
    bool i_understand_calibration_loss = false;
    std::filesystem::path backup_dir;      // the backup store
    std::filesystem::path programmer_dir;  // F's programmer store (empty = default)
    bool reset = true;                     // power reset at the end
    bool restore_settings = false;         // re-apply the settings read before (needs reset)
    // Stations: back up every calibration partition the device's table names, even those the
    // plan leaves alone, so each module's calibration is in the store before it is flashed.
    bool backup_all_calibration = false;
    // Told where the calibration bundle went as soon as it is committed (before any write), so
    // a caller knows it also when the flash then fails.
    std::function<void(const std::filesystem::path&)> on_calibration_backup;
    ProgressFn progress;
};

struct PartitionTiming {
    std::string label;
    std::string action;  // "erase", "program", "patch", "reset"
    std::uint64_t bytes = 0;
    double seconds = 0;
    double mb_per_s = 0;  // 1 MB = 1e6 bytes
};

struct FlashReport {
    std::filesystem::path package;
    package::FlashPlan plan;
    std::vector<std::string> notes;  // package notes (which XML, md5 status)
    std::string md5 = "absent";      // "verified", "skipped" (--no-md5) or "absent"
    bool dry_run = false;
    std::optional<std::filesystem::path> calibration_backup;  // bundle written by the guard
    bool backup_skipped = false;                              // the two override flags were given
    std::vector<PartitionTiming> timings;                     // executed steps, in order
    std::uint64_t total_bytes = 0;
    double total_seconds = 0;
    std::optional<FlashSettings> settings;  // flash_package: the module's settings around it
};
nlohmann::json to_json(const FlashReport& report);
std::string describe(const FlashReport& report);  // the summary table for humans

// The device side of flashing. The real one wraps engineer F's FirehoseClient (EDL session);
// tests may provide their own.
class FlashTarget {
  public:
    virtual ~FlashTarget() = default;
    virtual archive::DeviceIdentity identity() = 0;
    virtual std::optional<std::uint64_t> num_disk_sectors(std::uint32_t lun) = 0;
    // The storage as the device reports it (read-only); nullopt when it cannot be asked.
    virtual std::optional<package::StorageFacts> storage() { return std::nullopt; }
    // Calibration partitions the device's partition table names (efs2, fsg, modem_st*).
    virtual std::vector<package::Region> calibration_partitions() = 0;
    virtual void read(const package::Region& region, const ByteSink& sink,
                      const ProgressFn& progress) = 0;
    virtual void erase(const package::FlashStep& step) = 0;
    virtual void program(const package::FlashStep& step, const ProgressFn& progress) = 0;
    virtual void patch(const package::RawOp& patch) = 0;
    virtual void reset() = 0;
};

// Throws UsageError unless no_backup and i_understand_calibration_loss are given together.
void check_flash_overrides(const FlashOptions& options);

// The package options a flash uses (factory, programmer, --no-md5).
package::PackageOptions package_options(const FlashOptions& options);
// "verified", "skipped" or "absent" for the report.
std::string md5_status(const package::Package& package);

// Validates and plans without a device (the --dry-run path).
FlashReport plan_flash(const FlashOptions& options);
// The same with the device's storage known (`--dry-run -d DEV`): only read-only queries
// (storage info, partition table); UsageError when the package cannot fit the storage.
FlashReport plan_flash(FlashTarget& target, const FlashOptions& options);

// Plan options from what the target reports (storage, each used LUN's size, calibration).
package::PlanOptions device_plan_options(FlashTarget& target, const package::Package& package,
                                         bool reset);

// Executes a plan on a target: guard, steps, timings. Used by flash_package and by tests.
FlashReport execute_flash(FlashTarget& target, const package::Package& package,
                          const FlashOptions& options);

// The whole command: validate, (dry run: return), make sure the device is in EDL (switch over
// DIAG when possible, else NotFoundError telling the user how), open an EDL session with the
// package's programmer, execute.
FlashReport flash_package(Device& device, const FlashOptions& options);

}  // namespace cr::workflows
