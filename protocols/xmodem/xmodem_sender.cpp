#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocols/xmodem/xmodem.hpp"
#include "protocols/xmodem/xmodem_codec.hpp"
#include "protocols/xmodem/xmodem_io.hpp"
#include "src/util/error.hpp"

namespace cr::xmodem {

namespace {

using detail::read_byte;

constexpr const char* sender_state = "the receiver is waiting for data or has given up";

enum class Reply { ack, nak, timeout };

// Waits for the answer to a block or EOT. 'C' before the first ACK counts as NAK; other bytes
// are line noise. Two consecutive CANs abort.
Reply await_reply(Transport& port, const Timing& timing, bool c_is_nak, const std::string& what) {
    Deadline deadline(timing.block);
    while (true) {
        auto b = read_byte(port, deadline.remaining());
        if (!b) return Reply::timeout;
        if (*b == ACK) return Reply::ack;
        if (*b == NAK || (*b == CRC_REQUEST && c_is_nak)) return Reply::nak;
        if (*b == CAN) {
            auto next = read_byte(port, timing.byte);
            if (next && *next == CAN)
                throw ProtocolError(fmt::format("xmodem: the receiver cancelled the transfer "
                                                "(CAN CAN) after {}",
                                                what),
                                    "the receiver ended the transfer",
                                    "check the receiver's state and restart the transfer");
        }
    }
}

void send_until_acked(Transport& port, ByteView wire, bool c_is_nak, const Timing& timing,
                      const std::string& what, SendStats& stats) {
    for (int attempt = 0;; ++attempt) {
        if (attempt > timing.retries) {
            detail::send_cancel(port);
            throw ProtocolError(
                fmt::format("xmodem: {} was not accepted after {} attempts", what, attempt),
                "transfer cancelled; the receiver keeps its old data",
                "check the link (baud rate, cable) and restart the transfer");
        }
        if (attempt > 0) ++stats.retransmits;
        spdlog::trace("xmodem -> {} ({} bytes)", what, wire.size());
        port.write(wire, timing.block);
        Reply r = await_reply(port, timing, c_is_nak, what);
        if (r == Reply::ack) return;
        spdlog::debug("xmodem: {} {}, resending", what, r == Reply::nak ? "NAKed" : "timed out");
    }
}

bool await_handshake(Transport& port, const Timing& timing) {
    Deadline deadline(timing.handshake);
    int cans = 0;
    while (true) {
        auto b = read_byte(port, deadline.remaining());
        if (!b)
            throw TimeoutError(
                fmt::format("xmodem: the receiver did not ask for data ('C' or NAK) within {} s",
                            timing.handshake.count() / 1000.0),
                "the receiver is not in XMODEM receive mode (or its window closed)",
                "start the receiver (e.g. AT+UFWUPD) and send within its handshake window");
        if (*b == CRC_REQUEST) return true;
        if (*b == NAK) return false;
        if (*b == CAN && ++cans >= 2)
            throw ProtocolError("xmodem: the receiver cancelled before the transfer started",
                                sender_state, "restart the receiver");
        if (*b != CAN) cans = 0;
    }
}

}  // namespace

SendStats send(Transport& port, ByteView data, const SendOptions& options) {
    const Timing& timing = options.timing;
    SendStats stats;
    stats.crc = await_handshake(port, timing);
    stats.block_size = options.one_k && stats.crc ? 1024 : 128;
    spdlog::debug("xmodem: sending {} bytes, {} mode, {}-byte blocks", data.size(),
                  stats.crc ? "CRC" : "checksum", stats.block_size);
    std::uint8_t number = 1;
    std::size_t offset = 0;
    report(options.progress, {"transfer", "bytes", 0, data.size(), false});
    while (offset < data.size()) {
        std::size_t remaining = data.size() - offset;
        // A short tail goes in 128-byte blocks: less padding, same speed.
        std::size_t size = stats.block_size == 1024 && remaining > 896 ? 1024 : 128;
        std::size_t n = std::min(size, remaining);
        Bytes wire = encode_block(number, data.subspan(offset, n), size, stats.crc);
        send_until_acked(port, wire, stats.blocks == 0, timing,
                         fmt::format("block {} (offset {})", stats.blocks + 1, offset), stats);
        offset += n;
        ++number;
        ++stats.blocks;
        report(options.progress, {"transfer", "bytes", offset, data.size(), false});
    }
    static constexpr std::uint8_t eot = EOT;
    send_until_acked(port, ByteView(&eot, 1), stats.blocks == 0, timing, "EOT", stats);
    report(options.progress, {"transfer", "bytes", data.size(), data.size(), true});
    return stats;
}

}  // namespace cr::xmodem
