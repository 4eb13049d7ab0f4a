#include "protocols/diag/hdlc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "src/util/error.hpp"

namespace cr::diag {
namespace {

// Reflected CRC-16 (poly 0x8408) one byte at a time: every DIAG frame in and out runs through
// it, and the bitwise loop was a third of the virtual module's time in the calibration bench.
constexpr std::array<std::uint16_t, 256> make_x25_table() {
    std::array<std::uint16_t, 256> t{};
    for (unsigned n = 0; n < 256; ++n) {
        std::uint16_t crc = static_cast<std::uint16_t>(n);
        for (int i = 0; i < 8; ++i) crc = (crc & 1) ? (crc >> 1) ^ 0x8408 : crc >> 1;
        t[n] = crc;
    }
    return t;
}
constexpr std::array<std::uint16_t, 256> kX25Table = make_x25_table();

bool needs_escape(std::uint8_t b) {
    return b == kHdlcFlag || b == kHdlcEscape;
}

void put_escaped(Bytes& out, std::uint8_t b) {
    if (needs_escape(b)) {
        out.push_back(kHdlcEscape);
        out.push_back(b ^ kHdlcEscapeXor);
    } else {
        out.push_back(b);
    }
}

}  // namespace

std::uint16_t crc16_x25_register(ByteView data) {
    std::uint16_t crc = 0xFFFF;
    for (std::uint8_t b : data)
        crc = static_cast<std::uint16_t>((crc >> 8) ^ kX25Table[(crc ^ b) & 0xFF]);
    return crc;
}

std::uint16_t crc16_x25(ByteView data) {
    return crc16_x25_register(data) ^ 0xFFFF;
}

Bytes hdlc_escape(ByteView data) {
    Bytes out;
    out.reserve(data.size() + data.size() / 16 + 4);
    for (std::uint8_t b : data) put_escaped(out, b);
    return out;
}

Bytes hdlc_unescape(ByteView data) {
    Bytes out;
    out.reserve(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] != kHdlcEscape) {
            out.push_back(data[i]);
            continue;
        }
        if (i + 1 == data.size())
            throw DecodeError("HDLC frame ends with an escape byte (7D): the frame is cut off");
        out.push_back(data[++i] ^ kHdlcEscapeXor);
    }
    return out;
}

Bytes hdlc_encode(ByteView payload) {
    std::uint16_t crc = crc16_x25(payload);
    Bytes out;
    out.reserve(payload.size() + payload.size() / 16 + 8);
    for (std::uint8_t b : payload) put_escaped(out, b);
    put_escaped(out, static_cast<std::uint8_t>(crc & 0xFF));
    put_escaped(out, static_cast<std::uint8_t>(crc >> 8));
    out.push_back(kHdlcFlag);
    return out;
}

namespace {

// Checks and strips the CRC of an unescaped frame body.
Bytes check_crc(ByteView body) {
    if (body.size() < 3)
        throw DecodeError(fmt::format(
            "HDLC frame of {} byte(s) is too short to hold a CRC (a stray 0x7E?)", body.size()));
    std::uint16_t got = body[body.size() - 2] | (body[body.size() - 1] << 8);
    std::uint16_t want = crc16_x25(body.first(body.size() - 2));
    if (got != want)
        throw DecodeError(
            fmt::format("HDLC frame CRC mismatch (got 0x{:04X}, want 0x{:04X})", got, want));
    return Bytes(body.begin(), body.end() - 2);
}

}  // namespace

Bytes hdlc_decode(ByteView frame) {
    if (!frame.empty() && frame.front() == kHdlcFlag) frame = frame.subspan(1);
    if (!frame.empty() && frame.back() == kHdlcFlag) frame = frame.first(frame.size() - 1);
    for (std::uint8_t b : frame)
        if (b == kHdlcFlag) throw DecodeError("stray 0x7E inside an HDLC frame");
    return check_crc(hdlc_unescape(frame));
}

std::string HdlcEvent::describe() const {
    switch (kind) {
        case Kind::frame:
            return fmt::format("{}-byte frame", payload.size());
        case Kind::bad_crc:
            return fmt::format("HDLC frame with a bad CRC ({} bytes): line noise or a lost byte",
                               payload.size());
        case Kind::short_frame:
            return fmt::format("{}-byte fragment between flags (a stray 0x7E or a cut-off frame)",
                               payload.size());
        case Kind::escape_at_end:
            return "HDLC frame ends with an escape byte (7D)";
        case Kind::oversize:
            return "HDLC frame longer than the receive limit was dropped";
    }
    return "unknown HDLC event";
}

void HdlcDeframer::reset() {
    current_.clear();
    escaped_ = false;
    overflow_ = false;
}

void HdlcDeframer::finish(std::vector<HdlcEvent>& out) {
    if (overflow_) {
        out.push_back({HdlcEvent::Kind::oversize, {}});
    } else if (escaped_) {
        out.push_back({HdlcEvent::Kind::escape_at_end, std::move(current_)});
    } else if (current_.empty()) {
        // a leading flag or 7E 7E: a separator, not a frame
    } else if (current_.size() < 3) {
        out.push_back({HdlcEvent::Kind::short_frame, std::move(current_)});
    } else {
        ByteView body(current_);
        std::uint16_t got = body[body.size() - 2] | (body[body.size() - 1] << 8);
        if (crc16_x25(body.first(body.size() - 2)) == got) {
            current_.resize(current_.size() - 2);
            out.push_back({HdlcEvent::Kind::frame, std::move(current_)});
        } else {
            out.push_back({HdlcEvent::Kind::bad_crc, std::move(current_)});
        }
    }
    reset();
}

std::vector<HdlcEvent> HdlcDeframer::feed(ByteView data) {
    std::vector<HdlcEvent> out;
    std::size_t i = 0;
    while (i < data.size()) {
        if (overflow_) {  // discard up to the next flag
            auto flag =
                std::find(data.begin() + static_cast<std::ptrdiff_t>(i), data.end(), kHdlcFlag);
            i = static_cast<std::size_t>(flag - data.begin());
            if (i == data.size()) break;
        }
        std::uint8_t b = data[i];
        if (b == kHdlcFlag) {
            finish(out);
            ++i;
            continue;
        }
        if (escaped_) {
            current_.push_back(b ^ kHdlcEscapeXor);
            escaped_ = false;
            ++i;
        } else if (b == kHdlcEscape) {
            escaped_ = true;
            ++i;
        } else {  // a run of plain bytes goes in at once
            auto end = std::find_if(data.begin() + static_cast<std::ptrdiff_t>(i), data.end(),
                                    needs_escape);
            current_.insert(current_.end(), data.begin() + static_cast<std::ptrdiff_t>(i), end);
            i = static_cast<std::size_t>(end - data.begin());
        }
        if (current_.size() > max_frame_ + 2) {
            current_.clear();
            overflow_ = true;
        }
    }
    return out;
}

}  // namespace cr::diag
