// Settings around a flash (used by `flash` and `rescue`; each step one function so the flash and
// rescue workflows call them in one line):
// 1. capture_settings_before_flash: in normal mode, read the settings (a module that does not
//    answer over AT is noted, never an error: a broken one is what gets flashed);
// 2. store_settings_before_flash: into the backup store beside the calibration backup, with the
//    device identity (EDL's chip serial plus the IMEI read over AT), before anything is written;
// 3. compare_settings_after_flash: once the module is back in normal mode, read again and show
//    what differs; with `restore`, re-apply the saved record (settings_device.hpp).
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocols/at/settings_record.hpp"
#include "src/archive/bundle.hpp"
#include "src/device/device.hpp"
#include "src/workflows/settings/settings_device.hpp"

namespace cr::workflows {

struct FlashSettings {
    std::optional<at::settings::SettingsRecord> before;  // read before flashing
    std::optional<std::filesystem::path> saved;          // its bundle in the backup store
    std::optional<at::settings::RecordDiff> changes;     // before vs. after the flash
    std::optional<SettingsApplyReport> restored;         // --restore-settings
    std::vector<std::string> notes;                      // what was not done, and why
    bool restore_failed() const { return restored && !restored->verified(); }
};

FlashSettings capture_settings_before_flash(Device& device);

// Throws IoError when the bundle cannot be written (nothing has been flashed yet).
void store_settings_before_flash(FlashSettings& settings, const std::filesystem::path& store_dir,
                                 const archive::DeviceIdentity& identity, const std::string& label);

// Waits up to `come_back` for normal mode; failures to read are noted, not thrown (the flash
// itself is done). With `restore`, re-applies `settings.before`.
void compare_settings_after_flash(Device& device, FlashSettings& settings, bool restore,
                                  Millis come_back = Millis(120000));

nlohmann::json to_json(const FlashSettings& settings);
std::string describe(const FlashSettings& settings);

}  // namespace cr::workflows
