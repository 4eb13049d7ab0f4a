#include "protocols/xmodem/xmodem_io.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>

#include "protocols/xmodem/xmodem_codec.hpp"
#include "src/util/error.hpp"

namespace cr::xmodem::detail {

std::optional<std::uint8_t> read_byte(Transport& port, Millis timeout) {
    std::uint8_t b = 0;
    if (port.read(std::span<std::uint8_t>(&b, 1), timeout) == 0) return std::nullopt;
    if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("xmodem <- {}", control_name(b));
    return b;
}

void send_control(Transport& port, std::uint8_t byte, Millis timeout) {
    if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("xmodem -> {}", control_name(byte));
    port.write(ByteView(&byte, 1), timeout);
}

void send_cancel(Transport& port) {
    static constexpr std::array<std::uint8_t, 3> cans{CAN, CAN, CAN};
    try {
        spdlog::trace("xmodem -> CAN CAN CAN");
        port.write(cans, Millis(1000));
    } catch (const Error&) {
        // The peer is gone or stuck: the error being raised says enough.
    }
}

std::size_t purge(Transport& port, Millis quiet, Millis limit) {
    Deadline deadline(limit);
    std::array<std::uint8_t, 2048> buf{};
    std::size_t dropped = 0;
    while (!deadline.expired()) {
        std::size_t n = port.read(buf, std::min(quiet, deadline.remaining()));
        if (n == 0) break;
        dropped += n;
    }
    if (dropped) spdlog::trace("xmodem: purged {} bytes", dropped);
    return dropped;
}

std::string control_name(std::uint8_t byte) {
    switch (byte) {
        case SOH:
            return "SOH";
        case STX:
            return "STX";
        case EOT:
            return "EOT";
        case ACK:
            return "ACK";
        case NAK:
            return "NAK";
        case CAN:
            return "CAN";
        case CRC_REQUEST:
            return "'C'";
        default:
            return fmt::format("0x{:02x}", byte);
    }
}

}  // namespace cr::xmodem::detail
