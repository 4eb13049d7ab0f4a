// Choosing the rescue steps (internal to the rescue workflow; pure apart from the store lookup).
#pragma once
#include <string>
#include <vector>

#include "src/workflows/rescue/backup_choice.hpp"
#include "src/workflows/rescue/rescue.hpp"
#include "src/workflows/rescue/rescue_identity.hpp"

namespace cr::workflows::rescue_detail {

struct OwnRecords {
    StoreBackups store;                  // every own backup (both kinds, blank ones too)
    std::vector<OwnBackup> calibration;  // the non-blank calibration bundles, newest first
    std::vector<std::string>
        backup_imeis;                   // IMEIs (sub 0, sub 1) of the newest own backup with one
    std::filesystem::path imei_source;  // the bundle they come from
};
OwnRecords own_records(const std::filesystem::path& store, const ModuleIdentityHints& hints);

// Sets report.own_imei/own_imei_source. Throws SafetyError when --imei contradicts the module's
// own records, UsageError when it fails Luhn.
void establish_own_imei(RescueReport& report, const OwnRecords& own,
                        const std::optional<std::string>& imei_option);

// True when the firmware itself is broken (only a reflash helps).
bool firmware_broken(const Diagnosis& d);

// Steps for a module in normal mode with working firmware. Fills report.explanation and returns
// no write steps when the remedy needs the user's decision.
std::vector<RescueStep> plan_repair(const Diagnosis& d, const OwnRecords& own,
                                    const RescueReport& report, std::vector<std::string>& why_not);

std::string describe_plan(const std::vector<RescueStep>& steps);

}  // namespace cr::workflows::rescue_detail
