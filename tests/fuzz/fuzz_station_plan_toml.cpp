// Fuzzes the TOML plan parser (toml++ and the conversion to the JSON plan). Invariants: it
// throws nothing but DecodeError, and a plan it takes names at least one model with a package.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/util/error.hpp"
#include "src/workflows/station/station_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto plan = cr::workflows::parse_station_plan_toml(text, "/plans", "plan.toml");
        if (plan.models.empty()) __builtin_trap();
        for (const auto& [family, m] : plan.models)
            if (family.empty() || m.package.empty()) __builtin_trap();
        if (plan.jobs && *plan.jobs == 0) __builtin_trap();
    } catch (const cr::DecodeError&) {
    }
    return 0;
}
