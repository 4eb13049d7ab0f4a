#include "sim/core/write_rate.hpp"

#include <thread>

namespace cr::sim {

std::optional<std::uint64_t> write_rate(const ModuleState& state) {
    auto it = state.extra.find("storage");
    if (it == state.extra.end() || !it->is_object()) return std::nullopt;
    auto r = it->find("write_bytes_per_s");
    if (r == it->end() || !r->is_number_unsigned() || r->get<std::uint64_t>() == 0)
        return std::nullopt;
    return r->get<std::uint64_t>();
}

void set_write_rate(VirtualModule& module, std::optional<std::uint64_t> bytes_per_s) {
    module.update([&](ModuleState& s) {
        auto& storage = s.extra["storage"];
        if (!storage.is_object()) storage = nlohmann::json::object();
        if (bytes_per_s)
            storage["write_bytes_per_s"] = *bytes_per_s;
        else
            storage.erase("write_bytes_per_s");
    });
}

void WritePacer::wrote(std::uint64_t bytes) {
    if (!rate_) return;
    bytes_ += bytes;
    auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(static_cast<double>(bytes_) / *rate_));
    std::this_thread::sleep_until(due);
}

}  // namespace cr::sim
