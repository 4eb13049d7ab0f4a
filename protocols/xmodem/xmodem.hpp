// XMODEM sender and receiver (checksum, CRC, 1K) over a Transport, following PROTOCOLS.md §8:
// - handshake: the receiver sends 'C' (CRC) or NAK (checksum); the sender follows it. 'C'
//   repeated before the first ACK counts as NAK.
// - blocks numbered from 1, wrapping FF -> 00; last block padded with SUB (0x1A).
// - 1K blocks only in CRC mode (the sender falls back to 128-byte blocks in checksum mode).
// - receiver: block timeout (10 s) and per-character timeout (1 s), 10 retries, the line is
//   purged before each NAK; a duplicate of the previous block is ACKed and discarded; any other
//   wrong block number cancels (CAN CAN); two consecutive CANs abort either side.
// - the sender resends EOT until it is ACKed (bounded by the retries).
// Errors: ProtocolError (cancelled by the peer, wrong block, too many errors), TimeoutError
// (no handshake / no answer), DeviceGoneError (from the Transport). All waits are bounded.
#pragma once
#include <cstdint>
#include <functional>

#include "src/transport/transport.hpp"
#include "src/util/clock.hpp"
#include "src/util/progress.hpp"

namespace cr::xmodem {

struct Timing {
    Millis handshake{60000};  // sender: wait for the receiver's first 'C'/NAK
    Millis block{10000};      // wait for a block's first byte / for a block's ACK
    Millis byte{1000};        // between the characters of a block; purge quiet time
    int retries = 10;         // per block (and for EOT)
};

struct SendOptions {
    bool one_k = false;  // 1024-byte blocks (STX) when the receiver asked for CRC
    Timing timing;
    ProgressFn progress;  // phase "transfer", unit "bytes"
};

struct SendStats {
    bool crc = false;
    std::size_t block_size = 128;
    std::uint64_t blocks = 0;       // distinct blocks
    std::uint64_t retransmits = 0;  // blocks sent again after NAK/timeout
};

// Sends `data` (may be empty: then only EOT). Returns what was negotiated.
SendStats send(Transport& port, ByteView data, const SendOptions& options = {});

struct ReceiveOptions {
    bool crc = true;             // start by asking with 'C'
    int crc_requests = 3;        // 'C's before falling back to checksum NAKs (crc only)
    Millis crc_interval{3000};   // between handshake 'C's
    int nak_requests = 10;       // handshake NAKs before giving up
    Millis nak_interval{10000};  // between handshake NAKs
    Timing timing;
    std::size_t max_bytes = 256u << 20;  // refuse (cancel) larger transfers: bounded memory
    ProgressFn progress;                 // phase "receive", unit "bytes"
    // Called with each accepted block's payload (e.g. to pace or to stream elsewhere).
    std::function<void(ByteView)> on_block;
    // false: payloads go only to on_block and ReceiveResult::data stays empty (a receiver that
    // streams to storage keeps no copy, and growing one stalls the ACKs while memory is mapped).
    bool keep_data = true;
    // Time source of the handshake waits; null: the steady clock. A simulated line (tests, the
    // fuzz driver) passes the clock its Transport advances when a read times out.
    const Clock* clock = nullptr;
};

struct ReceiveResult {
    Bytes data;               // all payloads, padding included (XMODEM does not carry the length)
    std::uint64_t bytes = 0;  // payload bytes accepted (also when keep_data is false)
    bool crc = false;
    std::uint64_t blocks = 0;
    std::uint64_t naks = 0;
    std::uint64_t duplicates = 0;
};

ReceiveResult receive(Transport& port, const ReceiveOptions& options = {});

// Removes trailing SUB padding (for files known not to end in 0x1A).
Bytes strip_padding(Bytes data);

}  // namespace cr::xmodem
