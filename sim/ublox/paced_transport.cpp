#include "sim/ublox/paced_transport.hpp"

#include <thread>

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
    // Sleep most of the way, then spin: timer slack would otherwise add ~50-100 us per block.
    auto spin_from = line_free - std::chrono::microseconds(200);
    if (Clock::now() < spin_from) std::this_thread::sleep_until(spin_from);
    while (Clock::now() < line_free) {
    }
}

std::size_t PacedTransport::listen_actively(std::span<std::uint8_t> buf, Deadline& deadline) {
    const auto until = last_activity_ + kActiveWindow;
    while (Clock::now() < until && !deadline.expired())
        if (std::size_t n = inner_.read(buf, Millis(0))) return n;
    return 0;
}

std::size_t PacedTransport::read(std::span<std::uint8_t> buf, Millis timeout) {
    Deadline deadline(timeout);
    std::size_t n = listen_actively(buf, deadline);
    if (!n) n = inner_.read(buf, deadline.remaining());  // Millis(0) still looks once
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
