#include "src/workflows/rescue/rescue_settings.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "src/util/error.hpp"
#include "src/workflows/settings/settings_store.hpp"

namespace cr::workflows {

void restore_own_settings(Device& device, RescueReport& r, ModuleIdentityHints hints,
                          const RescueOptions& o) {
    if (!o.restore_settings) {
        r.settings_note = "not re-applied (--no-restore-settings)";
        return;
    }
    if (!r.own_imei.empty()) hints.imeis.push_back(r.own_imei);
    auto own = newest_own_settings(o.store_dir, hints);
    if (!own) {
        r.settings_note = "no saved settings of this module in the backup store";
        return;
    }
    if (o.narrate) o.narrate(fmt::format("re-applying its settings from {}", own->file.string()));
    SettingsApplyOptions ao;
    ao.narrate = o.narrate;
    try {
        r.settings = apply_device_settings(device, own->record, ao);
        r.settings->notes.insert(r.settings->notes.begin(),
                                 fmt::format("from {} ({})", own->file.string(), own->matched_by));
    } catch (const Error& e) {
        spdlog::warn("rescue: settings not re-applied: {}", e.what());
        SettingsApplyReport failed;
        failed.notes.push_back(fmt::format("from {}", own->file.string()));
        failed.settings.push_back({"-", "", "", {}, {}, "failed", e.what()});
        r.settings = failed;
    }
}

}  // namespace cr::workflows
