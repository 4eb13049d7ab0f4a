#include "sim/ublox/ublox_state.hpp"

#include <nlohmann/json.hpp>

namespace cr::sim::ublox {

Family family_of(const ModelSpec& model) {
    if (model.id.starts_with("sara-r4")) return Family::r4;
    if (model.id.starts_with("lena")) return Family::lena;
    return Family::r5;
}

UbloxState load(const ModuleState& state) {
    UbloxState u;
    auto it = state.extra.find("ublox");
    if (it == state.extra.end() || !it->is_object()) {
        if (!state.model.starts_with("sara-r4")) u.mno_profile = 100;
        return u;
    }
    const auto& j = *it;
    u.time_scale = j.value("time_scale", 1.0);
    u.pace = j.value("pace", false);
    u.baud = j.value("baud", 115200u);
    u.mno_profile = j.value("mno_profile", state.model.starts_with("sara-r4") ? 0 : 100);
    u.cfun = j.value("cfun", 1);
    u.backup_data = j.value("backup_data", u.backup_data);
    u.greeting = j.value("greeting", "");
    u.foat_file = j.value("foat_file", false);
    u.foat_file_size = j.value("foat_file_size", std::uint64_t{0});
    u.update_mode = j.value("update_mode", false);
    u.install_until_ms = j.value("install_until_ms", std::int64_t{0});
    u.install_version = j.value("install_version", "");
    u.install_code = j.value("install_code", 0);
    u.pending_fotastat = j.value("pending_fotastat", 0);
    u.reboot_pending = j.value("reboot_pending", false);
    return u;
}

void store(ModuleState& state, const UbloxState& u) {
    state.extra["ublox"] = {{"time_scale", u.time_scale},
                            {"pace", u.pace},
                            {"baud", u.baud},
                            {"mno_profile", u.mno_profile},
                            {"cfun", u.cfun},
                            {"backup_data", u.backup_data},
                            {"greeting", u.greeting},
                            {"foat_file", u.foat_file},
                            {"foat_file_size", u.foat_file_size},
                            {"update_mode", u.update_mode},
                            {"install_until_ms", u.install_until_ms},
                            {"install_version", u.install_version},
                            {"install_code", u.install_code},
                            {"pending_fotastat", u.pending_fotastat},
                            {"reboot_pending", u.reboot_pending}};
}

std::string ati9(const std::string& firmware) {
    if (firmware.find(',') != std::string::npos) return firmware;
    return firmware.substr(0, firmware.find(' ')) + ",A.02.19";
}

std::string cgmr(const std::string& firmware) {
    auto comma = firmware.find(',');
    return comma == std::string::npos ? firmware : firmware.substr(0, comma);
}

bool engineering_firmware(const std::string& firmware) {
    return cgmr(firmware).starts_with("M0.00.00");
}

Millis scaled(const UbloxState& u, Millis real) {
    return Millis(static_cast<std::int64_t>(static_cast<double>(real.count()) * u.time_scale));
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::filesystem::path foat_file_path(const VirtualModule& module) {
    return module.dir() / "foat_updatePackage.bin";
}

}  // namespace cr::sim::ublox
