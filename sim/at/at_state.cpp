#include "sim/at/at_state.hpp"

#include <cctype>

namespace cr::sim::at_state {

nlohmann::json of(const ModuleState& state) {
    auto it = state.extra.find("at");
    return it != state.extra.end() && it->is_object() ? *it : nlohmann::json::object();
}

void set(VirtualModule& module, const std::string& key, const nlohmann::json& value) {
    module.update([&](ModuleState& s) {
        if (!s.extra.contains("at") || !s.extra["at"].is_object())
            s.extra["at"] = nlohmann::json::object();
        s.extra["at"][key] = value;
    });
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace cr::sim::at_state
