// Fuzzes the station's plan parser and journal reader. Invariants: the plan parser throws
// nothing but DecodeError, and a plan it takes names at least one model, each with a package;
// the journal reader never throws, and every job it returns has an id.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/util/error.hpp"
#include "src/workflows/station/journal.hpp"
#include "src/workflows/station/station_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto plan = cr::workflows::parse_station_plan(text, "/plans", "plan.json");
        if (plan.models.empty()) __builtin_trap();
        for (const auto& [family, m] : plan.models)
            if (family.empty() || m.package.empty()) __builtin_trap();
        if (plan.jobs && *plan.jobs == 0) __builtin_trap();
    } catch (const cr::DecodeError&) {
    }
    auto journal = cr::workflows::parse_journal(text);
    for (const auto& j : journal.jobs)
        if (j.id.empty()) __builtin_trap();
    return 0;
}
