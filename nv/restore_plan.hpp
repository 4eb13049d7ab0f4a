// What a restore writes, decided before the first byte goes to the device (pure; testable).
// Applies the IMEI rules of DESIGN.md: a backup restores as is onto the device it came from;
// onto a different device only with the target's own IMEI(s), Luhn-checked, replacing NV 550
// (sub 0 and SIM_1) and the EFS copies /nvm/num/550 and /nvm/context1/550.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "nv/calibration.hpp"

namespace cr::nv {

// How the target relates to the backup's source.
enum class TargetMatch {
    same_device,       // an IMEI, the ESN or the chip serial matches
    different_device,  // the target has its own identity and it differs
    unknown,           // the target shows no identity (CFUN=5, efs2 wiped)
};
std::string_view to_string(TargetMatch match);

struct TargetIdentity {
    std::vector<std::string> imeis;  // read from the target's NV 550 ("" = none)
    std::uint32_t esn = 0;           // 0 / 0xFFFFFFFF = unknown
    std::uint32_t chip_serial = 0;   // 0 = unknown
    // The target's own earlier backups prove who it is when it shows no IMEI: their IMEIs.
    std::vector<std::string> known_own_imeis;
};

// Decides how `target` relates to `backup` (IMEIs first, then chip serial, then ESN, then the
// target's own earlier backups).
TargetMatch match_target(const DeviceIdentity& backup, const TargetIdentity& target);

struct ImeiOverride {
    std::optional<std::string> imei;   // --imei: subscription 0
    std::optional<std::string> imei2;  // --imei2: subscription 1
};

struct RestorePlan {
    Calibration content;  // what will be written (IMEIs already replaced)
    TargetMatch match = TargetMatch::unknown;
    std::vector<std::string> backup_imeis;
    std::vector<std::string> written_imeis;  // IMEIs the plan writes to NV 550, per subscription
    std::vector<std::string> notes;          // what was changed and why, for the report
};

// Builds the plan. Throws SafetyError when the backup belongs to a different (or unprovable)
// device and no --imei was given, or when the backup has two IMEIs and only --imei was given;
// UsageError when an override fails Luhn (nothing is ever written then). With overrides on the
// same device the override must equal the backup's IMEI (it is the device's own).
RestorePlan plan_restore(const Calibration& backup, const TargetIdentity& target,
                         const ImeiOverride& overrides);

// Replaces the IMEI of `subscription` everywhere the backup stores it (NV 550 record of that
// subscription, /nvm/num/550 or /nvm/context<N>/550 EFS copies in any group). Validates Luhn.
// Returns the number of places changed.
std::size_t replace_imei(Calibration& cal, std::size_t subscription, const std::string& imei);

}  // namespace cr::nv
