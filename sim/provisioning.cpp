#include <fmt/format.h>

#include "sim/core/module_settings.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/diag/efs_store.hpp"
#include "sim/firehose/factory_flash.hpp"
#include "sim/ublox/ublox_state.hpp"
#include "src/util/error.hpp"

namespace cr::sim {

void provision_factory(VirtualModule& module) {
    if (module.model().storage != StorageKind::none) {
        write_factory_flash(module);
        write_factory_efs(module);
    }
    module.update([](ModuleState& s) {
        s.mode = Mode::normal;
        s.firehose_running = false;
        reset_settings(s);
    });
}

std::vector<std::string> known_states() {
    return {"normal", "edl", "crashdump", "healthy", "cfun5", "full-flash"};
}

namespace {

void set_mode(VirtualModule& module, Mode mode) {
    module.update([&](ModuleState& s) {
        s.mode = mode;
        s.firehose_running = false;  // a mode change is a reboot: the programmer is gone
    });
}

// CFUN=5 the way users get there: the calibration erased (QFirehose -e, a factory XML): efs2 on
// NAND; modemst1, modemst2 and fsg on eMMC/UFS (with fsg gone the modem cannot rebuild them).
void wipe_efs2(VirtualModule& module) {
    const ModelSpec& m = module.model();
    if (!efs_partition(m)) throw UsageError(fmt::format("{} has no efs2 partition", m.product));
    std::uint8_t erased = m.storage == StorageKind::nand ? 0xFF : 0x00;
    for (const auto& p : m.partitions) {
        if (!p.calibration) continue;
        module.storage(p.lun).erase(p.start_sector, p.num_sectors, erased);
        module.storage(p.lun).sync();
    }
    module.update([](ModuleState& s) { reset_settings(s); });  // modem NV went with efs2
    set_mode(module, Mode::normal);
}

// u-blox EasyFlash (Windows) full flash: MNO profile and NVM settings back to factory. Quectel
// modules are flashed over Firehose (`cellrescue flash`), which resets them the real way.
void full_flash(VirtualModule& module) {
    if (module.model().vendor != Vendor::ublox)
        throw UsageError(
            fmt::format("full-flash is the u-blox EasyFlash path; flash the {} "
                        "with `cellrescue flash PACKAGE -d sim:{}`",
                        module.model().product, module.id()));
    module.update([&](ModuleState& s) { ublox::full_flash_reset(s, module.model()); });
}

}  // namespace

void apply_state(VirtualModule& module, std::string_view state, const StateOptions& options) {
    if (!options.imeis.empty() || options.firmware)
        module.update([&](ModuleState& s) {
            if (!options.imeis.empty()) s.imeis = options.imeis;
            if (options.firmware) s.firmware = *options.firmware;
        });
    if (state.empty()) return;
    if (state == "normal" || state == "edl" || state == "crashdump") {
        if (state != "normal" && module.model().msm_hw_id == 0)
            throw UsageError(fmt::format("{} has no Qualcomm EDL mode", module.model().product));
        set_mode(module, parse_mode(state));
    } else if (state == "healthy") {
        provision_factory(module);
    } else if (state == "cfun5") {
        wipe_efs2(module);
    } else if (state == "full-flash") {
        full_flash(module);
    } else {
        std::string all;
        for (const auto& s : known_states()) all += (all.empty() ? "" : ", ") + s;
        throw UsageError(fmt::format("unknown virtual module state '{}'", state), {},
                         fmt::format("use one of: {}", all));
    }
}

}  // namespace cr::sim
