// Normal mode -> EDL through the DIAG port (4B 65 01 00, PROTOCOLS.md §1). Used by `edl enter`,
// by flash (a module found in normal mode) and by rescue.
#pragma once
#include "src/device/device.hpp"
#include "src/util/deadline.hpp"
#include "src/util/progress.hpp"

namespace cr::workflows {

struct EdlSwitchOptions {
    Millis timeout{60000};  // bound on waiting for the EDL device to appear (USB re-enumeration)
};

// If the device is already in EDL, returns at once. Otherwise opens its DIAG port, sends the
// switch, closes the port and waits (bounded) until device.mode() is EDL. Throws NotFoundError
// (no DIAG port), DiagCommandError (refused), TimeoutError (did not come back in EDL: the
// error says the module may be rebooting normally and to check `cellrescue devices`).
void enter_edl_via_diag(Device& device, const EdlSwitchOptions& options = {},
                        const ProgressFn& progress = {});

}  // namespace cr::workflows
