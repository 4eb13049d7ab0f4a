// Rescue's last word on a restore: the module read back in full over DIAG (as `backup` reads
// it) and compared with the backup that was restored, item by item and file by file, as
// `backups diff` compares two backups. Only an empty list of missing/different items lets
// rescue say "repaired".
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "src/device/device.hpp"
#include "src/util/progress.hpp"

namespace cr::workflows::rescue_detail {

struct BackupComparison {
    std::filesystem::path backup;
    std::size_t nv_items = 0;              // in the backup
    std::size_t efs_files = 0;             // in the backup
    std::vector<std::string> differences;  // missing on the module, or different
    std::vector<std::string> extras;       // on the module, not in the backup (not a failure)
};

// Throws (device errors) when the module cannot be read: the caller reports it as not verified.
BackupComparison compare_with_backup(Device& device, const std::filesystem::path& backup,
                                     const ProgressFn& progress);

}  // namespace cr::workflows::rescue_detail
