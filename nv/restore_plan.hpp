// What a restore writes, decided before the first byte goes to the device (pure; testable).
// Applies the identity rules of DESIGN.md: a backup restores as is onto the device it came
// from; onto a different device only with the target's own IMEI(s), Luhn-checked, replacing
// NV 550 (sub 0 and SIM_1) and the EFS copies /nvm/num/550 and /nvm/context1/550, and without
// the donor's ESN (NV 0) and MEID (NV 1943): the target keeps its own. Every identity item
// is reported as kept, restored, changed or absent.
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
    std::string meid;  // NV 1943 as identity_value() shows it ("" = none)
};

// Decides how `target` relates to `backup` (IMEIs first, then chip serial, then ESN, then the
// target's own earlier backups).
TargetMatch match_target(const DeviceIdentity& backup, const TargetIdentity& target);

struct ImeiOverride {
    std::optional<std::string> imei;   // --imei: subscription 0
    std::optional<std::string> imei2;  // --imei2: subscription 1
};

// One identity item in the report: what the target showed, what the backup holds, what the
// restore writes, and the verdict.
struct IdentityRow {
    enum class Action {
        kept,      // the target's own value stays (not written, or written unchanged)
        restored,  // the target showed none; the device's own value is written
        changed,   // the target showed another value; the device's own (label/backup) is written
        absent,    // the target shows none and none is written (a donor's never is)
    };
    std::string item;     // "IMEI (SIM 1)", "ESN", "MEID"
    std::string target;   // before the restore ("" none)
    std::string backup;   // in the backup ("" none)
    std::string written;  // what the restore writes ("" nothing)
    Action action = Action::kept;
    std::string note;
};
std::string_view to_string(IdentityRow::Action action);

struct RestorePlan {
    Calibration content;  // what will be written (IMEIs replaced, donor ESN/MEID removed)
    TargetMatch match = TargetMatch::unknown;
    std::vector<std::string> backup_imeis;
    std::vector<std::string> written_imeis;  // IMEIs the plan writes to NV 550, per subscription
    std::vector<IdentityRow> identity;       // every identity item, kept or changed
    std::vector<std::string> notes;          // what was changed and why, for the report
};

// Builds the plan. Throws SafetyError when the backup belongs to a different (or unprovable)
// device and no --imei was given, when the backup has two IMEIs and only --imei was given, or
// when NV 550 in the backup is not a valid IMEI and no --imei replaces it; UsageError when an
// override fails Luhn (nothing is ever written then). With overrides on the same device the
// override must equal the backup's IMEI (it is the device's own) unless that one is malformed.
RestorePlan plan_restore(const Calibration& backup, const TargetIdentity& target,
                         const ImeiOverride& overrides);

// Replaces the IMEI of `subscription` everywhere the backup stores it (NV 550 record of that
// subscription, /nvm/num/550 or /nvm/context<N>/550 EFS copies in any group). Validates Luhn.
// Returns the number of places changed.
std::size_t replace_imei(Calibration& cal, std::size_t subscription, const std::string& imei);

}  // namespace cr::nv
