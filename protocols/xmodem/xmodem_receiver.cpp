#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocols/xmodem/xmodem.hpp"
#include "protocols/xmodem/xmodem_codec.hpp"
#include "protocols/xmodem/xmodem_io.hpp"
#include "src/util/error.hpp"

namespace cr::xmodem {

namespace {

using detail::read_byte;

constexpr const char* cancelled_state = "transfer cancelled; nothing was kept";

class Receiver {
  public:
    Receiver(Transport& port, const ReceiveOptions& options) : port_(port), opt_(options) {}

    ReceiveResult run() {
        auto first = handshake();
        result_.crc = crc_;
        int pending = first;  // a byte already read, or -1
        while (true) {
            std::optional<std::uint8_t> b;
            if (pending >= 0)
                b = static_cast<std::uint8_t>(pending);
            else
                b = read_byte(port_, opt_.timing.block);
            pending = -1;
            if (!b) {
                fail("no data within the block timeout");
                continue;
            }
            if (*b == SOH || *b == STX) {
                block(*b);
            } else if (*b == EOT) {
                detail::send_control(port_, ACK, opt_.timing.block);
                report(opt_.progress, {"receive", "bytes", result_.bytes, 0, true});
                return std::move(result_);
            } else if (*b == CAN) {
                auto next = read_byte(port_, opt_.timing.byte);
                if (next && *next == CAN)
                    throw ProtocolError("xmodem: the sender cancelled the transfer (CAN CAN)",
                                        cancelled_state, "restart the transfer");
                if (next) pending = *next;
            } else {
                fail(fmt::format("unexpected byte {}", detail::control_name(*b)));
            }
        }
    }

  private:
    // Asks with 'C' (crc_requests times), then with NAK; returns the sender's first byte.
    std::uint8_t handshake() {
        crc_ = opt_.crc;
        for (int i = 0; crc_ && i < opt_.crc_requests; ++i)
            if (auto b = ask(CRC_REQUEST, opt_.crc_interval)) return *b;
        crc_ = false;
        for (int i = 0; i < opt_.nak_requests; ++i)
            if (auto b = ask(NAK, opt_.nak_interval)) return *b;
        detail::send_cancel(port_);
        throw TimeoutError("xmodem: no sender answered the handshake ('C'/NAK)",
                           "receive window closed; nothing was received",
                           "start the sender within the handshake window");
    }

    std::optional<std::uint8_t> ask(std::uint8_t request, Millis wait) {
        detail::send_control(port_, request, opt_.timing.block);
        ClockDeadline deadline(wait, opt_.clock);
        while (!deadline.expired()) {
            auto b = read_byte(port_, deadline.remaining());
            if (b && (*b == SOH || *b == STX || *b == EOT || *b == CAN)) return b;
        }
        return std::nullopt;
    }

    // Counts an error, purges the line, NAKs; cancels after too many.
    void fail(const std::string& why) {
        ++result_.naks;
        spdlog::debug("xmodem: {} (error {} of {})", why, errors_ + 1, opt_.timing.retries);
        if (++errors_ > opt_.timing.retries) {
            detail::send_cancel(port_);
            throw ProtocolError(fmt::format("xmodem: too many errors receiving block {} (last: {})",
                                            result_.blocks + 1, why),
                                cancelled_state,
                                "check the link (baud rate, cable) and restart the transfer");
        }
        detail::purge(port_, opt_.timing.byte, opt_.timing.block);
        detail::send_control(port_, blocks_seen() ? NAK : (crc_ ? CRC_REQUEST : NAK),
                             opt_.timing.block);
    }

    bool blocks_seen() const { return result_.blocks > 0; }

    void block(std::uint8_t start) {
        std::size_t size = payload_size(start);
        if (start == STX && !crc_) return fail("1K block in checksum mode");
        wire_.assign(wire_size(size, crc_), 0);
        wire_[0] = start;
        std::size_t got = 1;
        while (got < wire_.size()) {
            std::size_t n = port_.read(std::span(wire_).subspan(got), opt_.timing.byte);
            if (n == 0) return fail(fmt::format("block cut short after {} bytes", got));
            got += n;
        }
        BlockCheck check = check_block(wire_, crc_);
        if (check != BlockCheck::ok)
            return fail(check == BlockCheck::bad_check ? "check mismatch" : "bad block header");
        std::uint8_t number = wire_[1];
        if (number == expected_) {
            accept(ByteView(wire_).subspan(3, size));
        } else if (blocks_seen() && number == static_cast<std::uint8_t>(expected_ - 1)) {
            ++result_.duplicates;
            spdlog::debug("xmodem: duplicate block {} ACKed and discarded", number);
            detail::send_control(port_, ACK, opt_.timing.block);
        } else {
            detail::send_cancel(port_);
            throw ProtocolError(
                fmt::format("xmodem: wrong block number {} (expected {})", number, expected_),
                cancelled_state, "restart the transfer");
        }
    }

    void accept(ByteView payload) {
        if (result_.bytes + payload.size() > opt_.max_bytes) {
            detail::send_cancel(port_);
            throw ProtocolError(
                fmt::format("xmodem: transfer exceeds the limit of {} bytes", opt_.max_bytes),
                cancelled_state, "send a smaller file");
        }
        if (opt_.keep_data) result_.data.insert(result_.data.end(), payload.begin(), payload.end());
        result_.bytes += payload.size();
        if (opt_.on_block) opt_.on_block(payload);
        detail::send_control(port_, ACK, opt_.timing.block);
        ++expected_;
        ++result_.blocks;
        errors_ = 0;
        report(opt_.progress, {"receive", "bytes", result_.bytes, 0, false});
    }

    Transport& port_;
    const ReceiveOptions& opt_;
    ReceiveResult result_;
    Bytes wire_;
    bool crc_ = true;
    std::uint8_t expected_ = 1;
    int errors_ = 0;
};

}  // namespace

ReceiveResult receive(Transport& port, const ReceiveOptions& options) {
    return Receiver(port, options).run();
}

Bytes strip_padding(Bytes data) {
    while (!data.empty() && data.back() == SUB) data.pop_back();
    return data;
}

}  // namespace cr::xmodem
