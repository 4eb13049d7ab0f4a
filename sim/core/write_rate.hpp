// How fast a virtual module's flash takes program data: state.extra["storage"] =
// {"write_bytes_per_s": N}. Real NAND programs a few MB/s (a 9x07's 2 KiB pages at ~300 us
// each), so a station flashing many modules waits on the modules, not on the host; unset, the
// virtual storage writes as fast as the host can (the default, for fast tests).
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>

#include "sim/core/virtual_module.hpp"

namespace cr::sim {

std::optional<std::uint64_t> write_rate(const ModuleState& state);
void set_write_rate(VirtualModule& module, std::optional<std::uint64_t> bytes_per_s);

// Holds a writer to a rate: after each write, sleeps until the bytes so far fit the rate.
class WritePacer {
  public:
    explicit WritePacer(std::optional<std::uint64_t> bytes_per_s) : rate_(bytes_per_s) {}
    void wrote(std::uint64_t bytes);

  private:
    std::optional<std::uint64_t> rate_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::uint64_t bytes_ = 0;
};

}  // namespace cr::sim
