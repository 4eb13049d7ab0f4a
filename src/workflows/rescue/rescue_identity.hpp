// "This module" in the backup store, also when its IMEI is gone (CFUN=5): a backup is the
// module's own when it shares an IMEI with what the module shows or what the user says (--imei),
// or the chip serial, or the ESN, or (virtual modules only, whose -d name names one unit) the
// device name recorded at backup time. Never by model alone.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "src/archive/backup_store.hpp"
#include "src/archive/store_journal.hpp"

namespace cr::workflows {

struct ModuleIdentityHints {
    std::string device_name;  // "sim:rm520n" (matched only when is_virtual)
    bool is_virtual = false;
    std::vector<std::string> imeis;  // shown by the module and/or --imei
    std::uint32_t chip_serial = 0;   // 0 unknown
    std::uint32_t esn = 0;           // 0 / 0xFFFFFFFF unknown
};

struct OwnBackup {
    archive::StoredBundle bundle;
    std::string
        matched_by;  // "IMEI 86753...", "chip serial 0x...", "ESN 0x...", "device sim:rm520n"
};

// The module's own readable backups of `kind`, newest first. A missing store is empty.
// Calibration bundles taken of a half-restored module (restore marker present) are left out:
// they are never the backup to restore from.
std::vector<OwnBackup> find_own_backups(const std::filesystem::path& store_dir,
                                        const ModuleIdentityHints& hints, archive::BundleKind kind);

// The journal's record of a module (what the restore knew of it).
archive::JournalDevice journal_device(const ModuleIdentityHints& hints);
// Restores of this module the store's journal shows unfinished, with why each matched.
struct OpenRestore {
    archive::RestoreEntry entry;
    std::string matched_by;
};
std::vector<OpenRestore> open_restores_of(const std::filesystem::path& store_dir,
                                          const ModuleIdentityHints& hints);

}  // namespace cr::workflows
