#include "src/workflows/settings/settings_flash.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "src/util/error.hpp"
#include "src/workflows/settings/settings_store.hpp"

namespace cr::workflows {

FlashSettings capture_settings_before_flash(Device& device) {
    FlashSettings fs;
    if (device.mode() != DeviceMode::normal) {
        fs.notes.push_back(
            fmt::format("settings not read: the module is in {} mode (they are "
                        "read over AT in normal mode)",
                        to_string(device.mode())));
        return fs;
    }
    try {
        fs.before = read_device_settings(device);
    } catch (const Error& e) {
        fs.notes.push_back(fmt::format("settings not read: {}", e.what()));
        spdlog::warn("settings not read before flashing: {}", e.what());
    }
    return fs;
}

void store_settings_before_flash(FlashSettings& fs, const std::filesystem::path& store_dir,
                                 const archive::DeviceIdentity& identity,
                                 const std::string& label) {
    if (!fs.before) return;
    if (fs.before->module.chip_serial.empty()) fs.before->module.chip_serial = identity.chip_serial;
    try {
        fs.saved = save_settings_bundle(store_dir, *fs.before, identity, label);
    } catch (const Error& e) {
        throw IoError(fmt::format("the module's settings could not be saved, so nothing was "
                                  "flashed: {}",
                                  e.what()),
                      "in EDL; nothing was written", "fix the backup directory (--backup-dir)");
    }
}

void compare_settings_after_flash(Device& device, FlashSettings& fs, bool restore,
                                  Millis come_back) {
    if (!fs.before) {
        if (restore) fs.notes.push_back("settings not restored: none were read before the flash");
        return;
    }
    try {
        wait_until_at_answers(device, come_back);
        fs.changes = at::settings::diff(*fs.before, read_device_settings(device));
        if (restore) fs.restored = apply_device_settings(device, *fs.before);
    } catch (const Error& e) {
        fs.notes.push_back(fmt::format("settings after the flash: {}", e.what()));
        spdlog::warn("settings after the flash: {}", e.what());
        if (restore && !fs.restored) {
            SettingsApplyReport failed;
            failed.notes.push_back(e.what());
            failed.settings.push_back({"-", "", "", {}, {}, "failed", e.what()});
            fs.restored = failed;
        }
    }
}

nlohmann::json to_json(const FlashSettings& fs) {
    nlohmann::json j{{"read", fs.before.has_value()}, {"notes", fs.notes}};
    j["saved"] = fs.saved ? nlohmann::json(fs.saved->string()) : nlohmann::json();
    j["changes"] = fs.changes ? at::settings::to_json(*fs.changes) : nlohmann::json();
    j["restored"] = fs.restored ? to_json(*fs.restored) : nlohmann::json();
    return j;
}

std::string describe(const FlashSettings& fs) {
    std::string out;
    for (const auto& n : fs.notes) out += "Settings: " + n + "\n";
    if (fs.saved) out += "Settings saved to " + fs.saved->string() + "\n";
    if (fs.changes) {
        if (fs.changes->empty()) {
            out += "Settings: the flash changed none of them\n";
        } else {
            out +=
                fmt::format("Settings the flash changed ({}):\n", fs.changes->differences.size());
            for (const auto& d : fs.changes->differences)
                out += fmt::format("  {:<24} {} -> {}{}\n", d.id, d.a.value_or("-"),
                                   d.b.value_or("-"), d.note.empty() ? "" : "  (" + d.note + ")");
        }
    }
    if (fs.restored)
        out += "Settings re-applied:\n" + describe(*fs.restored);
    else if (fs.changes && !fs.changes->empty())
        out += fmt::format("Put them back with `cellrescue settings apply {}`\n",
                           fs.saved ? fs.saved->string() : "FILE");
    return out;
}

}  // namespace cr::workflows
