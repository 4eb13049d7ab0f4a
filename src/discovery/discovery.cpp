#include "src/discovery/discovery.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "sim/core/usb_presence.hpp"
#include "sim/core/virtual_module.hpp"
#include "src/discovery/scan.hpp"

namespace cr::discovery {

void scan_pcie(const std::filesystem::path& dev_dir, Result& result) {
    std::error_code ec;
    // One device per modem: all mhi_* nodes belong to the MHI modem, wwanN* to modem N.
    std::map<std::string, FoundDevice> modems;
    for (const auto& entry : std::filesystem::directory_iterator(dev_dir, ec)) {
        std::string name = entry.path().filename().string();
        std::string role = char_device_role(name);
        if (role.empty()) continue;
        std::string key = "mhi";
        if (name.starts_with("wwan")) {
            std::size_t end = 4;
            while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
            key = name.substr(0, end);
        }
        FoundDevice& f = modems[key];
        f.kind = Kind::pcie;
        f.vendor = key == "mhi" ? "Quectel MHI" : "wwan";
        f.product = key == "mhi" ? "PCIe module (MHI driver)" : "PCIe module (" + key + ")";
        f.ports.push_back(Port{role, entry.path().string(), -1});
    }
    for (auto& [key, f] : modems) {
        std::sort(f.ports.begin(), f.ports.end(),
                  [](const Port& a, const Port& b) { return a.path < b.path; });
        // pcie_mhi in EDL shows only mhi_BHI until a programmer runs, then mhi_EDL too.
        bool edl = f.port("edl") != nullptr || f.port("bhi") != nullptr;
        f.mode = edl && !f.port("diag") ? DeviceMode::edl : DeviceMode::normal;
        const Port* main = f.port(f.mode == DeviceMode::edl ? "edl" : "diag");
        if (!main) main = f.port("bhi");
        f.name = main ? main->path : f.ports.front().path;
        result.devices.push_back(std::move(f));
    }
}

void scan_virtual(const std::filesystem::path& sim_dir, Result& result) {
    std::vector<std::string> ids;
    try {
        ids = sim::VirtualModule::list(sim_dir);
    } catch (const std::exception& e) {
        result.notes.push_back(
            fmt::format("virtual modules in {}: {}", sim_dir.string(), e.what()));
        return;
    }
    for (const std::string& id : ids) {
        try {
            auto m = sim::VirtualModule::open(sim_dir, id);
            sim::ModuleState s = m->state();
            if (sim::is_unplugged(s)) continue;  // not on the bus
            FoundDevice f;
            f.kind = Kind::virtual_module;
            f.name = "sim:" + id;
            f.product = m->model().product;
            f.vendor = m->model().vendor == sim::Vendor::quectel ? "Quectel" : "u-blox";
            f.vid = m->model().vid;
            f.pid = m->model().pid;
            f.serial = fmt::format("{:08x}", s.serial);
            f.mode = s.mode == sim::Mode::edl         ? DeviceMode::edl
                     : s.mode == sim::Mode::crashdump ? DeviceMode::crashdump
                                                      : DeviceMode::normal;
            if (f.mode == DeviceMode::normal) {
                if (m->model().msm_hw_id != 0) f.ports.push_back(Port{"diag", "", -1});
                f.ports.push_back(Port{"at", "", -1});
            } else {
                f.ports.push_back(Port{"edl", "", -1});
            }
            result.devices.push_back(std::move(f));
        } catch (const std::exception& e) {
            result.notes.push_back(fmt::format("virtual module {}: {}", id, e.what()));
        }
    }
}

Result discover(const Options& options) {
    Result result;
    if (options.usb) scan_usb(result);
    std::stable_sort(
        result.devices.begin(), result.devices.end(),
        [](const FoundDevice& a, const FoundDevice& b) { return a.usb_path < b.usb_path; });
    if (!options.dev_dir.empty()) scan_pcie(options.dev_dir, result);
    if (!options.sim_dir.empty()) scan_virtual(options.sim_dir, result);
    spdlog::debug("discovery: {} device(s), {} note(s)", result.devices.size(),
                  result.notes.size());
    return result;
}

}  // namespace cr::discovery
