// XMODEM framing as pure functions (PROTOCOLS.md §8): checksums, block encoding and checking.
// No I/O here; the sender and receiver (xmodem.hpp) drive a Transport with these.
#pragma once
#include <cstddef>
#include <cstdint>

#include "src/util/bytes.hpp"

namespace cr::xmodem {

inline constexpr std::uint8_t SOH = 0x01;  // 128-byte block
inline constexpr std::uint8_t STX = 0x02;  // 1024-byte block (CRC mode only)
inline constexpr std::uint8_t EOT = 0x04;
inline constexpr std::uint8_t ACK = 0x06;
inline constexpr std::uint8_t NAK = 0x15;
inline constexpr std::uint8_t CAN = 0x18;
inline constexpr std::uint8_t SUB = 0x1A;  // padding of the last block
inline constexpr std::uint8_t CRC_REQUEST = 'C';

// CRC-16/XMODEM: poly 0x1021, init 0, no reflection, no final xor. crc16("123456789") = 0x31C3.
std::uint16_t crc16(ByteView data);
// Sum of the bytes mod 256.
std::uint8_t checksum(ByteView data);

// The size of the whole block on the wire: 3 header bytes + payload + 1 or 2 check bytes.
inline std::size_t wire_size(std::size_t payload, bool crc) {
    return 3 + payload + (crc ? 2 : 1);
}

// Encodes one block: SOH (payload <= 128) or STX (<= 1024, crc only), blk, 255-blk, the data
// padded with SUB to the block size, then the checksum or CRC (high byte first).
// `block_size` must be 128 or 1024 (1024 requires crc); data.size() <= block_size.
// Throws UsageError otherwise.
Bytes encode_block(std::uint8_t block_number, ByteView data, std::size_t block_size, bool crc);

enum class BlockCheck { ok, bad_header, bad_complement, bad_check };

// Checks a complete block as received (starting with SOH/STX, wire_size bytes).
// Returns bad_header when the first byte or the size does not fit.
BlockCheck check_block(ByteView wire, bool crc);

// The payload size for a start byte: 128 for SOH, 1024 for STX, 0 for anything else.
std::size_t payload_size(std::uint8_t start);

}  // namespace cr::xmodem
