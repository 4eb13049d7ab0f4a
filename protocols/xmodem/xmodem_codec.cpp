#include "protocols/xmodem/xmodem_codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "src/util/error.hpp"

namespace cr::xmodem {

namespace {

// CRC-16/XMODEM lookup table, built at compile time (the block check is on the hot path).
constexpr std::array<std::uint16_t, 256> make_crc_table() {
    std::array<std::uint16_t, 256> t{};
    for (int i = 0; i < 256; ++i) {
        std::uint16_t c = static_cast<std::uint16_t>(i << 8);
        for (int b = 0; b < 8; ++b)
            c = static_cast<std::uint16_t>((c & 0x8000) ? (c << 1) ^ 0x1021 : c << 1);
        t[static_cast<std::size_t>(i)] = c;
    }
    return t;
}
constexpr std::array<std::uint16_t, 256> crc_table = make_crc_table();

}  // namespace

std::uint16_t crc16(ByteView data) {
    std::uint16_t crc = 0;
    for (std::uint8_t b : data)
        crc = static_cast<std::uint16_t>((crc << 8) ^ crc_table[((crc >> 8) ^ b) & 0xff]);
    return crc;
}

std::uint8_t checksum(ByteView data) {
    std::uint8_t sum = 0;
    for (std::uint8_t b : data) sum = static_cast<std::uint8_t>(sum + b);
    return sum;
}

std::size_t payload_size(std::uint8_t start) {
    return start == SOH ? 128 : start == STX ? 1024 : 0;
}

Bytes encode_block(std::uint8_t block_number, ByteView data, std::size_t block_size, bool crc) {
    if ((block_size != 128 && block_size != 1024) || (block_size == 1024 && !crc) ||
        data.size() > block_size)
        throw UsageError(fmt::format("xmodem: cannot make a {}-byte block of {} bytes{}",
                                     block_size, data.size(), crc ? "" : " in checksum mode"));
    Bytes out;
    out.reserve(wire_size(block_size, crc));
    out.push_back(block_size == 1024 ? STX : SOH);
    out.push_back(block_number);
    out.push_back(static_cast<std::uint8_t>(255 - block_number));
    out.insert(out.end(), data.begin(), data.end());
    out.resize(3 + block_size, SUB);
    ByteView payload(out.data() + 3, block_size);
    if (crc) {
        std::uint16_t c = crc16(payload);
        out.push_back(static_cast<std::uint8_t>(c >> 8));
        out.push_back(static_cast<std::uint8_t>(c & 0xff));
    } else {
        out.push_back(checksum(payload));
    }
    return out;
}

BlockCheck check_block(ByteView wire, bool crc) {
    if (wire.empty()) return BlockCheck::bad_header;
    std::size_t size = payload_size(wire[0]);
    if (size == 0 || (size == 1024 && !crc) || wire.size() != wire_size(size, crc))
        return BlockCheck::bad_header;
    if (static_cast<std::uint8_t>(wire[1] + wire[2]) != 0xff) return BlockCheck::bad_complement;
    ByteView payload = wire.subspan(3, size);
    if (crc) {
        std::uint16_t got = static_cast<std::uint16_t>((wire[3 + size] << 8) | wire[4 + size]);
        return got == crc16(payload) ? BlockCheck::ok : BlockCheck::bad_check;
    }
    return wire[3 + size] == checksum(payload) ? BlockCheck::ok : BlockCheck::bad_check;
}

}  // namespace cr::xmodem
