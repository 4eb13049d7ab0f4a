// The steps of a calibration restore over one DIAG link (QPST order), and the read-back.
// Split from restore.cpp so the benchmark and rescue can run them over any transport.
#pragma once
#include "nv/restore_plan.hpp"
#include "src/workflows/backup/backup_diag.hpp"
#include "src/workflows/restore/restore.hpp"

namespace cr::workflows {

// Reads the target's identity, plans (IMEI rules), asks options.confirm. Throws SafetyError /
// UsageError before anything is written.
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
