// Timing of virtual links that stand in for hardware (a UART, a USB device controller): the
// receiver takes bytes as they arrive, and waits end when the hardware's would, not when a
// sleeping thread is next scheduled.
#pragma once
#include <chrono>
#include <span>

#include "src/transport/transport.hpp"
#include "src/util/deadline.hpp"

namespace cr::sim {

using LineClock = std::chrono::steady_clock;

// Reads from `port` within `timeout`. Until `listen_until` (the line moved recently) it polls
// instead of sleeping, so bytes are taken the moment they arrive; after that it blocks.
std::size_t read_listening(Transport& port, std::span<std::uint8_t> buf, Millis timeout,
                           LineClock::time_point listen_until);

// Waits until `due`: sleeps most of the way and spins the last `spin` (timer slack would add
// ~50-100 us to every wait).
void wait_precisely_until(LineClock::time_point due,
                          std::chrono::microseconds spin = std::chrono::microseconds(200));

}  // namespace cr::sim
