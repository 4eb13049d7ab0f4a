#include "src/workflows/session/diag_edl_switch.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocols/diag/diag_client.hpp"
#include "src/util/error.hpp"

namespace cr::workflows {

void enter_edl_via_diag(Device& device, const EdlSwitchOptions& options,
                        const ProgressFn& progress) {
    if (device.mode() == DeviceMode::edl) {
        spdlog::info("{} is already in EDL mode", device.name());
        return;
    }
    report(progress, {"switch to EDL", "steps", 0, 2});
    {
        auto port = device.open_diag();
        diag::DiagClient diag(*port);
        diag.switch_to_edl();
        port->close();
    }
    report(progress, {"switch to EDL", "steps", 1, 2});
    try {
        device.wait_for_mode(DeviceMode::edl, options.timeout);
    } catch (const TimeoutError&) {
        throw TimeoutError(
            fmt::format("{} accepted the EDL switch but did not appear in EDL mode within {} s",
                        device.name(), options.timeout.count() / 1000),
            "the module may be rebooting into normal mode, or its EDL device lacks permissions",
            "run `cellrescue devices`; on real hardware check the udev rules (docs/udev.md) and "
            "that nothing (ModemManager) grabbed the port");
    }
    report(progress, {"switch to EDL", "steps", 2, 2, true});
}

}  // namespace cr::workflows
