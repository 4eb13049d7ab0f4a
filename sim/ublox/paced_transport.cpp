#include "sim/ublox/paced_transport.hpp"

#include <algorithm>

#include "sim/core/line_timing.hpp"

namespace cr::sim::ublox {
namespace {

// How long after the last byte moved the receiver keeps polling: covers a host's turnaround
// (block -> ACK -> next block) without burning a CPU while the line is idle.
constexpr auto kActiveWindow = std::chrono::microseconds(200);
constexpr std::size_t kChunk = 65536;
// A UART's line clock does not depend on timers; this VM's sleeping threads wake up to a
// millisecond late now and then. So the last millisecond of a wait spins (at 3 Mbaud, about a
// third of a core while bytes flow; an idle line still sleeps).
constexpr auto kSpin = std::chrono::microseconds(1000);

}  // namespace

PacedTransport::Clock::duration PacedTransport::line_time(std::size_t bytes) const {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(bytes) * 10 * 1'000'000'000LL /
                                    baud_);
}

bool PacedTransport::take_from_line(Millis timeout) {
    scratch_.resize(kChunk);  // kept between calls: a fresh 64 KiB costs page faults per read
    std::size_t n = queue_.empty()
                        ? read_listening(inner_, scratch_, timeout, last_activity_ + kActiveWindow)
                        : inner_.read(scratch_, Millis(0));
    if (n == 0) return false;
    Arrival a;
    a.data.assign(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(n));
    a.start = std::max(rx_free_, Clock::now());
    rx_free_ = a.start + line_time(n);
    last_activity_ = Clock::now();
    queue_.push_back(std::move(a));
    return true;
}

std::size_t PacedTransport::read(std::span<std::uint8_t> buf, Millis timeout) {
    if (buf.empty()) return 0;
    if (queue_.empty() && !take_from_line(timeout)) return 0;
    // More bytes may be waiting behind the queued ones: stamp them now, not when asked for.
    std::size_t queued = 0;
    for (const Arrival& q : queue_) queued += q.data.size() - q.used;
    if (queued < buf.size()) take_from_line(Millis(0));
    Arrival& a = queue_.front();
    std::size_t n = std::min(buf.size(), a.data.size() - a.used);
    std::copy_n(a.data.begin() + static_cast<std::ptrdiff_t>(a.used), n, buf.begin());
    a.used += n;
    wait_precisely_until(a.start + line_time(a.used), kSpin);
    if (a.used == a.data.size()) queue_.pop_front();
    last_activity_ = Clock::now();
    return n;
}

void PacedTransport::write(ByteView data, Millis timeout) {
    auto now = Clock::now();
    tx_free_ = std::max(tx_free_, now) + line_time(data.size());
    wait_precisely_until(tx_free_, kSpin);
    inner_.write(data, timeout);
    last_activity_ = Clock::now();
}

Bytes PacedTransport::take_unread() {
    Bytes out;
    for (const Arrival& a : queue_)
        out.insert(out.end(), a.data.begin() + static_cast<std::ptrdiff_t>(a.used), a.data.end());
    queue_.clear();
    return out;
}

}  // namespace cr::sim::ublox
