// `cellrescue devices [--json]`: what is attached (EDL devices, modules and their ports, PCIe
// char devices) plus the virtual modules; says why when no hardware shows up.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "src/discovery/discovery.hpp"

namespace cr::cli {
namespace {

std::string device_line(const discovery::FoundDevice& d) {
    std::string line = fmt::format("{:<16} {:<10} {:<28}", d.name, to_string(d.mode),
                                   d.product.empty() ? d.vendor : d.product);
    if (!d.usb_path.empty()) line += fmt::format(" {:04x}:{:04x}", d.vid, d.pid);
    if (!d.speed.empty()) line += "  " + d.speed;
    if (!d.serial.empty()) line += "  sn " + d.serial;
    for (const auto& p : d.ports) {
        if (p.path.empty()) continue;
        line += fmt::format("\n    {:<8} {}", p.role, p.path);
        if (p.interface_number >= 0) line += fmt::format("  (if{})", p.interface_number);
    }
    return line;
}

}  // namespace

void register_devices(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("devices",
                                   "list EDL devices, modules (with their ports) and "
                                   "virtual modules");
    cmd->callback([&ctx] {
        discovery::Options opt;
        opt.sim_dir = ctx.sim_dir();
        auto result = discovery::discover(opt);
        nlohmann::json out{{"devices", nlohmann::json::array()}, {"notes", result.notes}};
        std::string text;
        bool real = false;
        for (const auto& d : result.devices) {
            out["devices"].push_back(discovery::to_json(d));
            real = real || d.kind != discovery::Kind::virtual_module;
            text += device_line(d) + "\n";
        }
        for (const auto& n : result.notes) text += "note: " + n + "\n";
        if (!real) {
            out["hints"] = discovery::nothing_found_hints();
            text += "No module or EDL device found. Things to check:\n";
            for (const auto& h : discovery::nothing_found_hints()) text += "  - " + h + "\n";
        }
        if (!text.empty() && text.back() == '\n') text.pop_back();
        ctx.emit(out, text);
    });
}

}  // namespace cr::cli
