// `cellrescue rescue`: the guided path for a module a bad flash left broken.
//
// Contract:
// 1. diagnose (read-only).
// 2. Make sure a backup exists: a module that still holds calibration and has no backup of its
//    own in the store is backed up now (C's backup; nothing is written to the module).
// 3. Choose the remedy from the findings and the module's OWN backups (rescue_identity.hpp):
//    reflash --package first when the firmware is broken (EDL, crash dump, silent ports);
//    efs2-wiped -> restore this module's newest own backup that holds calibration: a calibration
//    bundle (IMEI-aware restore over DIAG) or a raw partition bundle `flash` took (written back
//    over EDL); blank backups are never chosen (backup_choice.hpp);
//    imei-missing -> write its own IMEI back (--imei or its own backup; Luhn-checked);
//    ftm-mode -> NV 453 = 0 + reset; cfun7-pending-reset -> reset.
//    An --imei that contradicts the module's own records is refused (SafetyError): only a
//    module's own IMEI is ever written.
// 4. Show the plan and ask once (options.confirm; false = nothing written, outcome declined).
// 5. Carry it out with progress, 6. verify (AT+CFUN=1 accepted, IMEI readable and equal to the
//    module's own, diagnose healthy, and after a restore every NV item and EFS file of the
//    backup read back equal from the module), 7. report.
//    restore-interrupted, calibration-incomplete and cfun5-unexplained are repaired like
//    efs2-wiped: the module's own backup (the one an interrupted restore names, when it is
//    the module's own) is restored again.
// When no backup of this module exists and calibration is gone, nothing is written: the report
// says what is lost and the options (outcome needs_decision).
#pragma once
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/device/device.hpp"
#include "src/util/progress.hpp"
#include "src/workflows/diagnose/diagnose.hpp"
#include "src/workflows/settings/settings_device.hpp"

namespace cr::workflows {

struct RescueOptions {
    std::filesystem::path store_dir;                       // the backup store (--backup-dir)
    std::optional<std::filesystem::path> package;          // --package: firmware to reflash
    std::optional<std::string> imei;                       // --imei: the module's own (label) IMEI
    std::function<bool(const std::string& plan)> confirm;  // asked once before any write
    std::function<void(const std::string& line)> narrate;  // step lines for the user
    ProgressFn progress;
    // After a repair that wrote to the module: re-apply its newest saved settings (AT-level
    // configuration, src/workflows/settings/) and count them in the verdict.
    bool restore_settings = true;
};

enum class RescueOutcome {
    healthy,         // nothing to repair (a backup may have been taken)
    repaired,        // plan carried out and verified
    not_verified,    // plan carried out but verification failed
    needs_decision,  // no own backup / no package: nothing written, options explained
    declined,        // the user said no: nothing written
};
std::string_view to_string(RescueOutcome outcome);

enum class RescueAction {
    take_backup,
    flash_package,
    restore_backup,      // a calibration (DIAG) bundle
    restore_partitions,  // a raw partition bundle (efs2, modemst, fsg) over EDL
    correct_imei,
    clear_ftm,
    reset
};
std::string_view to_string(RescueAction action);

struct RescueStep {
    RescueAction action;
    std::string description;         // what and why
    std::filesystem::path source;    // backup or package used
    std::string status = "planned";  // planned | done | failed: <why> | skipped
};

struct Verification {
    bool cfun1_accepted = false;
    std::string cfun_reply;
    std::string imei;  // read back over AT
    bool imei_is_own = false;
    bool healthy = false;
    // After a restore: the module read back in full and compared with the backup restored
    // (rescue_verify.hpp). Empty `compared_with`: no restore ran, nothing to compare.
    std::filesystem::path compared_with;
    std::size_t compared_nv_items = 0;
    std::size_t compared_efs_files = 0;
    std::size_t compared_partitions = 0;          // a partition restore: partitions read back equal
    std::vector<std::string> backup_differences;  // missing on the module or different
    std::vector<std::string> module_extras;       // on the module only (reported, not failed)
    std::string compare_error;                    // the module could not be read back
    bool matches_backup() const {
        return compared_with.empty() || (compare_error.empty() && backup_differences.empty());
    }
    bool ok() const { return cfun1_accepted && imei_is_own && healthy && matches_backup(); }
};

struct RescueReport {
    Diagnosis before;
    std::optional<Diagnosis> after;
    std::string own_imei;         // the module's own IMEI as established
    std::string own_imei_source;  // "--imei", "backup <file>", "the module"
    std::vector<RescueStep> steps;
    std::optional<Verification> verification;
    std::vector<std::string> explanation;          // needs_decision: what is lost and the options
    std::vector<std::string> partitions_restored;  // restore_partitions: read back equal
    std::optional<SettingsApplyReport> settings;   // restore_settings: the re-apply
    std::string settings_note;                     // why settings were not re-applied
    RescueOutcome outcome = RescueOutcome::healthy;
};

RescueReport rescue(Device& device, const RescueOptions& options);

nlohmann::json to_json(const RescueReport& report);
std::string format_text(const RescueReport& report);

}  // namespace cr::workflows
