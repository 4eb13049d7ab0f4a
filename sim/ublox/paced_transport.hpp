// A Transport wrapper that delivers bytes no faster than a serial line at `baud` (10 bits a
// byte, 8N1): what a virtual module uses to behave like a UART-attached module, and what the
// XMODEM benchmark measures against. Pacing applies in both directions.
//
// Receiving models a UART's FIFO: bytes are taken from `inner` as soon as they arrive (all that
// are there) and stamped with the time each finishes crossing the line; a read hands out queued
// bytes once their line time has passed. So the reader's own delays (system calls, reading a
// block in several pieces) do not stretch the line, as they would not on hardware.
#pragma once
#include <chrono>
#include <deque>

#include "src/transport/transport.hpp"

namespace cr::sim::ublox {

class PacedTransport : public Transport {
  public:
    PacedTransport(Transport& inner, std::uint32_t baud) : inner_(inner), baud_(baud) {}
    void write(ByteView data, Millis timeout) override;
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override;
    std::size_t max_transfer_size() const override { return inner_.max_transfer_size(); }
    void close() override { inner_.close(); }
    std::string description() const override { return inner_.description(); }

    // Bytes taken from `inner` but not yet read (whatever their line time): a caller that stops
    // using the pacer hands them on so nothing the peer sent is lost.
    Bytes take_unread();

  private:
    using Clock = std::chrono::steady_clock;
    struct Arrival {  // bytes that reached the line together, back to back
        Bytes data;
        std::size_t used = 0;
        Clock::time_point start;  // when the first byte started crossing the line
    };
    Clock::duration line_time(std::size_t bytes) const;
    // Takes what `inner` has (waiting up to `timeout` when nothing is queued); false if none.
    bool take_from_line(Millis timeout);

    Transport& inner_;
    std::uint32_t baud_;
    std::deque<Arrival> queue_;
    Bytes scratch_;
    Clock::time_point rx_free_{};  // when the receive line is next idle
    Clock::time_point tx_free_{};
    // Reads poll for a while after the line last moved (sim/core/line_timing): a UART receives
    // into its FIFO with no wake-up delay.
    Clock::time_point last_activity_{};
};

}  // namespace cr::sim::ublox
