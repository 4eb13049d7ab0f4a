// One module's job at a station: lock it, check the package fits it, read who it is, back its
// calibration up, flash, read everything back, reboot it, read who it is again, check the
// plan's conditions. Everything that happened is in the JobReport, also when it failed: which
// partitions are done, whether it still boots, whether its backup is intact. Never throws for
// the module's own failures (that is the report's job); one job never affects another.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "src/device/device.hpp"
#include "src/workflows/flash/flash.hpp"
#include "src/workflows/station/job_log.hpp"

namespace cr::workflows {

// Conditions a module must meet to pass (the plan file's "checks").
struct JobChecks {
    bool backup_taken = true;                   // a verified calibration bundle is in the store
    bool imei_unchanged = true;                 // IMEI after == before (when both could be read)
    bool diagnose_healthy = false;              // `diagnose` finds nothing wrong after the flash
    std::optional<std::string> firmware_after;  // the firmware the module must report after
    // A check that cannot be evaluated (no IMEI in EDL) fails the job instead of being reported
    // as "not checked" (plan files ask for this).
    bool strict = false;
};

struct JobOptions {
    FlashOptions flash;  // package, backup store, programmer store, factory, reset...
    DeviceEnvironment env;
    std::filesystem::path lock_dir;  // DeviceLock files
    std::filesystem::path log_dir;   // per-job log files; empty: none
    JobLogs* logs = nullptr;         // routes each job's log lines to its file
    bool verify = true;              // read every programmed partition back (SHA-256)
    JobChecks checks;
    int retries = 0;  // extra attempts after a failure that wrote nothing
    // Free space the backup directory must have before a job touches its module: a full disk
    // refuses that module's job up front instead of failing its calibration backup half-way.
    std::uint64_t backup_min_free = 64ull << 20;
    Millis come_back{120000};  // reboot into normal mode after the reset
};

// What the caller already knows of the device (discovery); fields may be empty.
struct JobDevice {
    std::string name;      // what -d takes
    std::string usb_path;  // "1-1.2"
    std::string serial;    // chip serial (EDL _SN:, virtual modules)
    std::uint16_t vid = 0, pid = 0;
};

enum class JobResult { ok, failed, refused, interrupted };
std::string_view to_string(JobResult result);

struct CheckResult {
    std::string name;
    bool evaluated = true;  // false: the evidence was not there ("not checked")
    bool passed = false;
    std::string detail;
};

struct JobReport {
    JobDevice device;
    std::string chip_serial, model;
    std::string imei_before, imei_after, firmware_before, firmware_after;
    std::optional<std::filesystem::path> backup;  // calibration bundle
    std::optional<bool> backup_intact;            // re-verified after a failure
    std::vector<std::string> partitions_done;     // programmed and acknowledged, in order
    std::vector<std::string> verified;            // read back equal
    std::vector<std::string> notes;
    std::vector<CheckResult> checks;
    std::uint64_t bytes = 0;
    double seconds = 0;
    JobResult result = JobResult::failed;
    int exit_code = 1;  // the typed error's code (0 when ok)
    std::string stage;  // where it stood last ("flash", "verify", ...)
    std::string error, device_state, next_step;
    std::string boot_state;  // whether the module still boots, after a mid-flash failure
    std::filesystem::path log_file;
    int attempts = 0;
};

// "backup efs2 40%", "program modem", "done": for a live status line.
using JobStatusFn = std::function<void(const std::string& status)>;

// A chip serial as backup bundles write it ("0x0a1b2c3d"), from discovery's "0a1b2c3d".
std::string chip_serial_text(std::string_view serial);

JobReport run_flash_job(const JobDevice& device, const JobOptions& options,
                        const JobStatusFn& status = {}, std::stop_token stop = {});

}  // namespace cr::workflows
