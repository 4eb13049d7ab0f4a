// `cellrescue restore`: a calibration backup written back, in three parts:
//   plan    what to write, decided before anything is sent: the identity rules of
//           nv/restore_plan.hpp (a different device needs --imei with its own IMEI; a donor's
//           ESN and MEID never cross over), --skip-spc-items;
//   checks  the backup's model and variant against the target's (refused unless
//           --allow-other-model), the SPC sent once when the plan holds SPC-protected items
//           (a refusal stops here, nothing written);
//   steps   QPST's order: CONTROL OFFLINE_D, NV writes per subscription, sync, Provisioning
//           files, EFS_Backup files, NV_Items files, sync, RESET; then every item and file is
//           read back and compared.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nv/calibration.hpp"
#include "nv/restore_plan.hpp"
#include "src/device/device.hpp"
#include "src/workflows/backup/backup.hpp"

namespace cr::workflows {

// The SPC QPST and most firmwares use unless a vendor set another.
inline constexpr std::string_view kDefaultSpc = "000000";

struct RestoreOptions {
    nv::ImeiOverride imeis;          // --imei / --imei2
    std::string spc{kDefaultSpc};    // --spc: sent once when the plan holds protected items
    bool skip_spc_items = false;     // --skip-spc-items: leave SPC-protected items out
    bool allow_other_model = false;  // --allow-other-model: restore across models/variants
    // The target's own earlier backups' IMEIs (from the backup store), used to recognise a
    // target that shows no IMEI (CFUN=5). May be empty.
    std::vector<std::string> known_own_imeis;
    std::uint32_t chip_serial = 0;  // the target's chip serial when known (0 = unknown)
    bool reset_after = true;        // RESET at the end (QPST does; else the modem stays CFUN=7)
    // Asked once, after planning and before the first write; false aborts (nothing written).
    std::function<bool(const std::string& question)> confirm;
    ProgressFn progress;
    std::size_t pipeline = diag::kDefaultPipeline;  // DIAG reads in flight while verifying
    // Where the backup came from (named in the module's restore marker and the journal).
    std::string source;
    // The backup store whose journal records the restore (empty: no journal entry).
    std::filesystem::path store_dir;
};

struct RestoreReport {
    nv::TargetMatch match = nv::TargetMatch::unknown;
    std::vector<std::string> backup_imeis;
    std::vector<std::string> target_imeis_before;
    std::vector<std::string> written_imeis;  // what NV 550 now holds per subscription
    std::vector<nv::IdentityRow> identity;   // IMEIs, ESN, MEID: kept, restored, changed, absent
    std::vector<std::string> model;          // backup vs target model/variant, as compared
    std::vector<std::string> model_differences;  // non-empty only with --allow-other-model
    std::vector<std::string> spc_items;          // SPC-protected items the plan writes
    bool spc_sent = false;                       // the SPC was accepted before the writes
    std::vector<std::string> notes;              // plan notes (IMEI replacements, items left out)
    std::size_t nv_written = 0;
    std::size_t nv_failed = 0;  // items the target refused (listed in differences)
    std::size_t files_written = 0;
    std::vector<std::string> differences;  // read-back mismatches; empty = verified
    // Written but not readable back (write-only items, protected items after the SPC was
    // refused at read-back): not claimed as verified, not counted as differences.
    std::vector<std::string> unverified;
    DiagTraffic traffic;
    std::uint32_t target_esn = 0;  // the target's ESN as read before the restore
    bool marker_removed = false;   // verified: the module's restore marker is gone
    bool verified() const { return differences.empty(); }
};

// Restores `backup` onto `device` over DIAG. A restore marker goes onto the module before the
// first write and the backup store's journal records the start (when options.store_dir is
// set); both are cleared only after every planned item and file read back equal
// (restore_marker.hpp, store_journal.hpp), then the module is reset. Throws SafetyError (before any
// write) when the identity rules or the model check refuse, UsageError for an IMEI failing Luhn,
// ProtocolError (before any write) when the module refuses the SPC; device errors as ProtocolError
// etc. A mismatch on read-back does not throw: it is in report.differences (the CLI exits 8).
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
