// `cellrescue settings show|save|apply` on a device: read every setting over the AT port, and
// re-apply a saved record in the right order, verifying each by reading it back.
//
// Re-apply (apply_device_settings):
// 1. read the module now; the record must be of the same vendor (UsageError otherwise);
// 2. profile phase (Quectel MBN AutoSel/Select, u-blox +UMNOPROF): plan, AT+CFUN=0 first when a
//    step needs it, write, then reboot when anything written is live only after a reboot, and
//    read the module again (a new profile rewrites bands, RATs and the default APN);
// 3. normal phase against what the module reads now: write, reboot when needed;
// 4. read everything back: each written or kept setting is "restored"/"kept" only when the
//    module now reads the saved value, else "mismatch".
// A setting the module's firmware does not know (ERROR) is "unknown": reported, never written.
// A write the module refuses is "failed" with its reply; nothing is retried. Every command has
// a timeout; a reboot must come back within `reboot_timeout`.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocols/at/settings_record.hpp"
#include "src/device/device.hpp"

namespace cr::workflows {

// Reads the module's settings now (identity, firmware, every catalogue setting). `created`,
// `tool_version` and `module.device` are filled in.
at::settings::SettingsRecord read_device_settings(Device& device);

// Waits until the module is in normal mode and its AT port answers (after a reset or a flash its
// ports come back one by one). Throws TimeoutError after `timeout`.
void wait_until_at_answers(Device& device, Millis timeout);

struct SettingsApplyOptions {
    bool dry_run = false;  // plan only: nothing is written
    Millis reboot_timeout{120000};
    std::function<void(const std::string&)> narrate;  // progress lines for people
};

struct AppliedSetting {
    std::string id;
    std::string command;
    std::string value;                  // the saved value
    std::optional<std::string> before;  // what the module had
    std::optional<std::string> after;   // what it reads at the end
    // restored | kept | unknown | automatic | failed | mismatch | planned (dry run)
    std::string status;
    std::string detail;
};

struct SettingsApplyReport {
    std::string record_firmware;  // the firmware the record was read from
    std::string module_firmware;  // the module's now
    std::vector<AppliedSetting> settings;
    int reboots = 0;
    bool dry_run = false;
    std::vector<std::string> notes;
    std::size_t count(std::string_view status) const;
    // Every setting the firmware knows reads the saved value (unknown ones are reported apart).
    bool verified() const { return count("failed") == 0 && count("mismatch") == 0; }
};
nlohmann::json to_json(const SettingsApplyReport& report);
std::string describe(const SettingsApplyReport& report);

SettingsApplyReport apply_device_settings(Device& device, const at::settings::SettingsRecord& saved,
                                          const SettingsApplyOptions& options = {});

}  // namespace cr::workflows
