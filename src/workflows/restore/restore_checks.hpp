// The checks a restore passes after planning and before its first write: the model and
// variant of the backup against the target's, and the SPC for protected items. Each refusal
// throws before anything is written and says what to do.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "nv/model_check.hpp"
#include "nv/restore_plan.hpp"
#include "src/workflows/backup/backup_diag.hpp"
#include "src/workflows/restore/restore.hpp"

namespace cr::workflows {

// Records the comparison; throws SafetyError naming what differs unless `allow`.
void check_model(const nv::ModelComparison& comparison, bool allow, RestoreReport& report);

// The SPC-protected NV items (NV 85 ...) the plan writes: "85 (NV_SEC_CODE_I) sub 0".
std::vector<std::string> protected_items(const nv::Calibration& content);
// --skip-spc-items: removes them (and their EFS copies) from the plan, with a note.
void leave_out_protected(nv::RestorePlan& plan, RestoreReport& report);

// Sends `spc` ONCE (never in a loop: wrong codes grow a lockout timer). Throws UsageError for
// a code that is not 6 digits, ProtocolError naming `items` and how to unlock when refused.
void unlock_spc(DiagLink& link, std::string_view spc, const std::vector<std::string>& items);

// The SPC the module has once `content` is written: its NV 85 when that holds six digits
// (a backup carries its module's SPC), else `given`.
std::string spc_after_restore(const nv::Calibration& content, std::string_view given);

}  // namespace cr::workflows
