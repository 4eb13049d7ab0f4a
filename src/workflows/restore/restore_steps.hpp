// The steps of a calibration restore over one DIAG link (QPST order), and the read-back.
// Split from restore.cpp so the benchmark and rescue can run them over any transport.
#pragma once
#include "nv/model_check.hpp"
#include "nv/restore_plan.hpp"
#include "src/workflows/backup/backup_diag.hpp"
#include "src/workflows/restore/restore.hpp"

namespace cr::workflows {

// What the target shows before the restore: identity (IMEIs, ESN, MEID) and model facts.
struct TargetFacts {
    nv::DeviceIdentity identity;  // read_identity()
    std::string meid;             // NV 1943 ("" none)
    nv::ModelFacts model;
};
TargetFacts read_target_facts(DiagLink& link);

// The plan and the checks: reads the target, plans (identity rules), compares models, asks
// options.confirm, and sends the SPC once when the plan holds protected items. Throws
// SafetyError / UsageError / ProtocolError (SPC refused) before anything is written.
nv::RestorePlan prepare_restore(DiagLink& link, const nv::Calibration& backup,
                                const RestoreOptions& options, RestoreReport& report);

// OFFLINE_D, NV writes per subscription, sync, Provisioning files, EFS_Backup files, NV_Items
// files, sync. Item refusals are recorded in report.differences, not thrown.
void write_restore(DiagLink& link, const nv::RestorePlan& plan, const RestoreOptions& options,
                   RestoreReport& report);

// Reads back every planned NV item and file; appends mismatches to report.differences and
// sets report.written_imeis from the target's NV 550 as it is now.
void verify_restore(DiagLink& link, const nv::RestorePlan& plan, const RestoreOptions& options,
                    RestoreReport& report);

}  // namespace cr::workflows
