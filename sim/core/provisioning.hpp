// Making a virtual module a healthy factory unit, and the named states `sim set --state` takes.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/virtual_module.hpp"

namespace cr::sim {

// Writes the partition table, firmware images and a calibrated EFS (NV items, IMEIs, rfnv)
// for the module's state; leaves it in normal mode.
void provision_factory(VirtualModule& module);

struct StateOptions {
    std::vector<std::string> imeis;  // --imei/--imei2: replace the module's label IMEIs
    std::optional<std::string> firmware;  // --firmware
};

// Named states (see `cellrescue sim set --help`): normal, edl, crashdump, healthy, cfun5, ...
// Throws UsageError for an unknown state, listing the known ones.
void apply_state(VirtualModule& module, std::string_view state, const StateOptions& options);
std::vector<std::string> known_states();

}  // namespace cr::sim
