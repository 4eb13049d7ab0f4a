#include "src/device/device.hpp"

#include "sim/core/virtual_module.hpp"
#include "src/device/sim_device.hpp"

namespace cr {

std::string_view to_string(DeviceMode mode) {
    switch (mode) {
        case DeviceMode::normal: return "normal";
        case DeviceMode::edl: return "EDL";
        case DeviceMode::crashdump: return "crash-dump";
        case DeviceMode::absent: return "absent";
    }
    return "unknown";
}

std::unique_ptr<Device> open_device(const DeviceSpec& spec, const DeviceEnvironment& env) {
    if (spec.kind == DeviceSpec::Kind::sim)
        return std::make_unique<SimDevice>(sim::VirtualModule::open(env.sim_dir, spec.value));
    return open_real_device(spec);
}

}  // namespace cr
