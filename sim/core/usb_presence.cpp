#include "sim/core/usb_presence.hpp"

namespace cr::sim {
namespace {

const nlohmann::json* usb_of(const ModuleState& state) {
    auto it = state.extra.find("usb");
    return it != state.extra.end() && it->is_object() ? &*it : nullptr;
}

}  // namespace

bool is_unplugged(const ModuleState& state) {
    const auto* usb = usb_of(state);
    return usb && usb->value("unplugged", false);
}

std::optional<std::uint64_t> unplug_after_bytes(const ModuleState& state) {
    const auto* usb = usb_of(state);
    if (!usb) return std::nullopt;
    auto it = usb->find("unplug_after_bytes");
    if (it == usb->end() || !it->is_number_unsigned()) return std::nullopt;
    return it->get<std::uint64_t>();
}

void unplug(VirtualModule& module, std::optional<std::uint64_t> after_bytes) {
    module.update([&](ModuleState& s) {
        auto& usb = s.extra["usb"];
        if (!usb.is_object()) usb = nlohmann::json::object();
        if (after_bytes) {
            usb["unplug_after_bytes"] = *after_bytes;
            return;
        }
        usb["unplugged"] = true;
        usb.erase("unplug_after_bytes");
        s.firehose_running = false;  // no power, no programmer
    });
}

void plug(VirtualModule& module) {
    module.update([](ModuleState& s) {
        s.extra["usb"] = nlohmann::json::object();
        s.firehose_running = false;
    });
}

}  // namespace cr::sim
