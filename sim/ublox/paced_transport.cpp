#include "sim/ublox/paced_transport.hpp"

#include <thread>

namespace cr::sim::ublox {

void PacedTransport::pace(Clock::time_point& line_free, std::size_t bytes) {
    auto now = Clock::now();
    if (line_free < now) line_free = now;
    line_free +=
        std::chrono::nanoseconds(static_cast<std::int64_t>(bytes) * 10 * 1'000'000'000LL / baud_);
    // Sleep most of the way, then spin: timer slack would otherwise add ~50-100 us per block.
    auto spin_from = line_free - std::chrono::microseconds(200);
    if (Clock::now() < spin_from) std::this_thread::sleep_until(spin_from);
    while (Clock::now() < line_free) {
    }
}

std::size_t PacedTransport::read(std::span<std::uint8_t> buf, Millis timeout) {
    std::size_t n = inner_.read(buf, timeout);
    if (n) pace(rx_free_, n);
    return n;
}

void PacedTransport::write(ByteView data, Millis timeout) {
    pace(tx_free_, data.size());
    inner_.write(data, timeout);
}

}  // namespace cr::sim::ublox
