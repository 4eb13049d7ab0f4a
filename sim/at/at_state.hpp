// The AT side's own keys in state.extra["at"] (internal to sim/at).
#pragma once
#include <string>
#include <string_view>

#include "sim/core/virtual_module.hpp"

namespace cr::sim::at_state {

// The extra["at"] object (empty when absent or damaged).
nlohmann::json of(const ModuleState& state);
void set(VirtualModule& module, const std::string& key, const nlohmann::json& value);
std::string upper(std::string_view text);

}  // namespace cr::sim::at_state
