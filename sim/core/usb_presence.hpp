// Whether a virtual module is on the (virtual) bus: a station's hub can drop a module, a module
// can be plugged in late. state.extra["usb"] = {"unplugged": bool, "unplug_after_bytes": N}.
// An unplugged module shows no ports at all (discovery skips it, every open fails as after a
// USB disconnect); "unplug_after_bytes" arms a fault: the module drops off the bus once its
// Firehose programmer has taken that many bytes of program data in one session, mid-transfer,
// as when a hub resets a port (what was written stays written).
#pragma once
#include <cstdint>
#include <optional>

#include "sim/core/virtual_module.hpp"

namespace cr::sim {

bool is_unplugged(const ModuleState& state);
// The armed fault, if any.
std::optional<std::uint64_t> unplug_after_bytes(const ModuleState& state);
// Pulls the module now (after_bytes empty) or arms the fault.
void unplug(VirtualModule& module, std::optional<std::uint64_t> after_bytes = std::nullopt);
// Plugs it back (clears the fault too). Power was lost: a running programmer is gone.
void plug(VirtualModule& module);

}  // namespace cr::sim
