#include "sim/ublox/paced_transport.hpp"

#include "sim/core/line_timing.hpp"

namespace cr::sim::ublox {
namespace {

// How long after the last byte moved the receiver keeps polling: covers a host's turnaround
// (block -> ACK -> next block) without burning a CPU while the line is idle.
constexpr auto kActiveWindow = std::chrono::microseconds(200);

}  // namespace

void PacedTransport::pace(Clock::time_point& line_free, std::size_t bytes) {
    auto now = Clock::now();
    if (line_free < now) line_free = now;
    line_free +=
        std::chrono::nanoseconds(static_cast<std::int64_t>(bytes) * 10 * 1'000'000'000LL / baud_);
    wait_precisely_until(line_free);
}

std::size_t PacedTransport::read(std::span<std::uint8_t> buf, Millis timeout) {
    std::size_t n = read_listening(inner_, buf, timeout, last_activity_ + kActiveWindow);
    if (n) {
        pace(rx_free_, n);
        last_activity_ = Clock::now();
    }
    return n;
}

void PacedTransport::write(ByteView data, Millis timeout) {
    pace(tx_free_, data.size());
    inner_.write(data, timeout);
    last_activity_ = Clock::now();
}

}  // namespace cr::sim::ublox
