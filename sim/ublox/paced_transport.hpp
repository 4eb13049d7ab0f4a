// A Transport wrapper that delivers bytes no faster than a serial line at `baud` (10 bits a
// byte, 8N1): what a virtual module uses to behave like a UART-attached module, and what the
// XMODEM benchmark measures against. Pacing applies in both directions.
#pragma once
#include <chrono>

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

  private:
    using Clock = std::chrono::steady_clock;
    // Advances a line clock by the time `bytes` take on the wire and waits until then.
    void pace(Clock::time_point& line_free, std::size_t bytes);

    Transport& inner_;
    std::uint32_t baud_;
    Clock::time_point rx_free_{};
    Clock::time_point tx_free_{};
    // Reads poll for a while after the line last moved (sim/core/line_timing): a UART receives
    // into its FIFO with no wake-up delay.
    Clock::time_point last_activity_{};
};

}  // namespace cr::sim::ublox
