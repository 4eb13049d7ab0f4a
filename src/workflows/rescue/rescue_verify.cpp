#include "src/workflows/rescue/rescue_verify.hpp"

#include "nv/calibration.hpp"
#include "nv/efs_layout.hpp"
#include "src/workflows/backup/backup.hpp"

namespace cr::workflows::rescue_detail {
namespace {

// Our own backups compare in QPST's layout, as `backups diff` does (the /nvm copies of NV
// records are the records themselves).
nv::Calibration comparable(nv::Calibration c) {
    return nv::made_by_cellrescue(c) ? nv::qpst_shaped(c) : c;
}

}  // namespace

BackupComparison compare_with_backup(Device& device, const std::filesystem::path& backup,
                                     const ProgressFn& progress) {
    BackupComparison out;
    out.backup = backup;
    nv::Calibration want = comparable(load_calibration(backup));
    nv::Calibration have;
    {
        auto port = device.open_diag();
        have = comparable(read_calibration(*port, progress));
    }
    out.nv_items = nv::nv_item_count(want);
    out.efs_files = nv::efs_file_count(want);
    // diff_calibration(backup, module): "missing in the first" is on the module only.
    for (auto& d : nv::diff_calibration(want, have)) {
        if (d.ends_with("missing in the first"))
            out.extras.push_back(d.substr(0, d.size() - 20) + "on the module only");
        else if (d.ends_with("missing in the second"))
            out.differences.push_back(d.substr(0, d.size() - 21) + "missing on the module");
        else
            out.differences.push_back(d);
    }
    return out;
}

}  // namespace cr::workflows::rescue_detail
