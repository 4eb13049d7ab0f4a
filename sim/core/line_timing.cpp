#include "sim/core/line_timing.hpp"

#include <thread>

namespace cr::sim {

std::size_t read_listening(Transport& port, std::span<std::uint8_t> buf, Millis timeout,
                           LineClock::time_point listen_until) {
    Deadline deadline(timeout);
    while (LineClock::now() < listen_until && !deadline.expired())
        if (std::size_t n = port.read(buf, Millis(0))) return n;
    return port.read(buf, deadline.remaining());  // Millis(0) still looks once
}

void wait_precisely_until(LineClock::time_point due, std::chrono::microseconds spin) {
    auto spin_from = due - spin;
    if (LineClock::now() < spin_from) std::this_thread::sleep_until(spin_from);
    while (LineClock::now() < due) {
    }
}

}  // namespace cr::sim
