// `cellrescue restore`: writes a calibration backup back in QPST's order (CONTROL OFFLINE_D,
// NV writes per subscription, sync, Provisioning files, EFS_Backup files, NV_Items files,
// RESET), then reads back every item and file and reports differences. IMEI-aware: see
// nv/restore_plan.hpp (a different device is refused unless --imei gives its own IMEI).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nv/calibration.hpp"
#include "nv/restore_plan.hpp"
#include "src/device/device.hpp"
#include "src/workflows/backup/backup.hpp"

namespace cr::workflows {

struct RestoreOptions {
    nv::ImeiOverride imeis;  // --imei / --imei2
    // The target's own earlier backups' IMEIs (from the backup store), used to recognise a
    // target that shows no IMEI (CFUN=5). May be empty.
    std::vector<std::string> known_own_imeis;
    std::uint32_t chip_serial = 0;  // the target's chip serial when known (0 = unknown)
    bool reset_after = true;        // RESET at the end (QPST does; else the modem stays CFUN=7)
    // Asked once, after planning and before the first write; false aborts (nothing written).
    std::function<bool(const std::string& question)> confirm;
    ProgressFn progress;
    std::size_t pipeline = diag::kDefaultPipeline;  // DIAG reads in flight while verifying
};

struct RestoreReport {
    nv::TargetMatch match = nv::TargetMatch::unknown;
    std::vector<std::string> backup_imeis;
    std::vector<std::string> target_imeis_before;
    std::vector<std::string> written_imeis;  // what NV 550 now holds per subscription
    std::vector<std::string> notes;          // plan notes (IMEI replacements)
    std::size_t nv_written = 0;
    std::size_t nv_failed = 0;  // items the target refused (listed in differences)
    std::size_t files_written = 0;
    std::vector<std::string> differences;  // read-back mismatches; empty = verified
    DiagTraffic traffic;
    bool verified() const { return differences.empty(); }
};

// Restores `backup` onto `device` over DIAG. Throws SafetyError (before any write) when the
// IMEI rules refuse, UsageError for an IMEI failing Luhn; device errors as ProtocolError etc.
// A mismatch on read-back does not throw: it is in report.differences (the CLI exits 8).
RestoreReport restore(Device& device, const nv::Calibration& backup, const RestoreOptions& options);

// The same over an already open DIAG transport (benchmarks, rescue).
RestoreReport restore_over(Transport& diag, const nv::Calibration& backup,
                           const RestoreOptions& options);

// IMEI correction after restoring a donor's raw efs2 partition (EDL path): writes the
// target's own IMEI(s) to NV 550 (sub 0 / sub 1) and their EFS copies, Luhn-checked, then
// reads back. `imeis.imei` is required. Returns the IMEIs now on the device.
std::vector<std::string> correct_imei(Device& device, const nv::ImeiOverride& imeis,
                                      const ProgressFn& progress = {});

}  // namespace cr::workflows
