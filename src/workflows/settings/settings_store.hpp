// Where settings records live: a settings bundle in the backup store (kind "settings", one entry
// "settings.json", the device identity in the manifest, so `backups list` shows it and the
// module's other backups find it), or a plain JSON document (`settings save -o FILE`).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "protocols/at/settings_record.hpp"
#include "src/archive/bundle.hpp"
#include "src/workflows/rescue/rescue_identity.hpp"

namespace cr::workflows {

inline constexpr const char* kSettingsEntry = "settings.json";

// The identity a record carries (IMEI, chip serial, model, firmware).
archive::DeviceIdentity settings_identity(const at::settings::SettingsRecord& record);

// Writes a settings bundle into the store (crash-safe, verified) and returns its path. `identity`
// is merged with the record's own (e.g. the chip serial from EDL plus the IMEI read over AT).
std::filesystem::path save_settings_bundle(const std::filesystem::path& store_dir,
                                           const at::settings::SettingsRecord& record,
                                           archive::DeviceIdentity identity,
                                           const std::string& label = {});

// Writes the record as a JSON document (crash-safe: temporary name, fsync, rename).
void write_settings_file(const at::settings::SettingsRecord& record,
                         const std::filesystem::path& file);

// Reads a record from a settings bundle (fully verified first) or a JSON document, checking it
// completely (record_from_json). Throws NotFoundError, DecodeError or VerifyError.
at::settings::SettingsRecord load_settings(const std::filesystem::path& file);

struct OwnSettings {
    std::filesystem::path file;
    std::string matched_by;
    at::settings::SettingsRecord record;
};
// The newest settings bundle of this module in the store (same rules as its calibration
// backups: IMEI, chip serial, or a virtual module's name); nullopt when there is none.
std::optional<OwnSettings> newest_own_settings(const std::filesystem::path& store_dir,
                                               const ModuleIdentityHints& hints);

}  // namespace cr::workflows
