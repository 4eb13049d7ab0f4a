// DIAG's HDLC-like framing (PROTOCOLS.md §4): escape(payload || crc16_le) || 0x7E.
// Pure functions and a streaming deframer; no I/O.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "src/util/bytes.hpp"

namespace cr::diag {

constexpr std::uint8_t kHdlcFlag = 0x7E;
constexpr std::uint8_t kHdlcEscape = 0x7D;
constexpr std::uint8_t kHdlcEscapeXor = 0x20;

// CRC-16/X-25: reflected poly 0x8408, init 0xFFFF, final XOR 0xFFFF. check("123456789") = 0x906E.
std::uint16_t crc16_x25(ByteView data);
// The CRC register (before the final XOR) after running over payload || crc_le of a good frame:
// always 0xF0B8. crc16_x25() of the same bytes (with the final XOR) is 0x0F47.
std::uint16_t crc16_x25_register(ByteView data);
constexpr std::uint16_t kCrcGoodResidue = 0xF0B8;

// 0x7E -> 7D 5E, 0x7D -> 7D 5D.
Bytes hdlc_escape(ByteView data);
// Inverse of hdlc_escape (7D x -> x ^ 0x20); throws DecodeError for an escape as the last byte.
Bytes hdlc_unescape(ByteView data);

// One complete frame for the wire: escape(payload || crc_le) || 7E. No leading flag.
Bytes hdlc_encode(ByteView payload);
// Decodes one complete frame (an optional leading 7E, the body, a trailing 7E optional):
// unescapes, checks the CRC and returns the payload. Throws DecodeError (bad CRC, too short,
// escape at end, a 7E inside).
Bytes hdlc_decode(ByteView frame);

// What the deframer found between two flags.
struct HdlcEvent {
    enum class Kind {
        frame,          // a good frame: payload holds it (CRC removed)
        bad_crc,        // CRC mismatch: payload holds the unescaped bytes as received
        short_frame,    // 1-2 bytes between flags: a stray 0x7E or a cut-off frame
        escape_at_end,  // 7D directly before the closing 7E
        oversize,       // longer than the deframer's limit: dropped up to the next flag
    };
    Kind kind;
    Bytes payload;
    std::string describe() const;  // "bad CRC (got 0x1234, want 0x5678) in 12-byte frame"
};

// Streaming deframer: feed any chunks as they arrive; complete frames (and problems) come out
// in order. An empty frame (7E 7E, or a leading 7E) is a separator and skipped silently.
class HdlcDeframer {
  public:
    explicit HdlcDeframer(std::size_t max_frame = 64 * 1024) : max_frame_(max_frame) {}
    // Consumes `data`, appends every finished frame/problem to the returned list.
    std::vector<HdlcEvent> feed(ByteView data);
    // Bytes of an unfinished frame held back (for "truncated reply" errors).
    std::size_t pending() const { return current_.size(); }
    void reset();

  private:
    void finish(std::vector<HdlcEvent>& out);
    std::size_t max_frame_;
    Bytes current_;  // unescaped bytes of the frame in progress
    bool escaped_ = false;
    bool overflow_ = false;
};

}  // namespace cr::diag
