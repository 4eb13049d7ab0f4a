// Every backup counts: the module's own calibration (DIAG) bundles and the raw partition
// bundles `flash` and `backup` in EDL take (efs2, modemst1/2, fsg, fsc), each judged by what it
// holds (backup_content.hpp). The one to restore is the newest own backup that holds
// calibration; a blank one (taken of an already erased efs2) is never chosen, however new.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "src/workflows/backup/backup_content.hpp"
#include "src/workflows/rescue/rescue_identity.hpp"

namespace cr::workflows {

struct BackupCandidate {
    OwnBackup own;  // the bundle and why it is this module's
    BackupContent content;
};

struct StoreBackups {
    std::vector<BackupCandidate> own;  // calibration and partition bundles, newest first
    // Readable bundles without IMEI, chip serial, ESN or device name: they match no module,
    // so they are named (never silently taken, never silently dropped).
    std::vector<std::filesystem::path> unidentified;
};
StoreBackups store_backups(const std::filesystem::path& store_dir,
                           const ModuleIdentityHints& hints);

// The newest own backup that holds calibration; nullptr when there is none.
const BackupCandidate* best_backup(const StoreBackups& backups);

// One line per backup for reports: "<file>: partition bundle of <created>, matched by <why>;
// efs2: erased (all 0xFF / 0x00): BLANK, never chosen".
std::string describe(const BackupCandidate& candidate);

}  // namespace cr::workflows
