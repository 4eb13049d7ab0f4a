// Sahara framing over a Transport. Transports are byte streams (a socket, /dev/mhi_EDL) or
// message pipes (USB bulk, where a read buffer smaller than the packet overflows), so reads go
// through one buffer that is always large: the 8-byte header is taken first, then length-8 more.
// Used by the host client and by the virtual target alike. Every packet is logged at trace.
#pragma once
#include <string>

#include "protocols/sahara/sahara_packets.hpp"
#include "src/transport/transport.hpp"

namespace cr::sahara {

class PacketStream {
  public:
    // `side` names this end in logs ("host", "target").
    PacketStream(Transport& transport, std::string side);

    // Next whole packet's bytes, or nullopt when nothing (or only part of a packet) arrived
    // within `timeout` (a partial packet stays buffered). Throws DecodeError for a header that
    // is not Sahara, DeviceGoneError when the peer went away.
    std::optional<Bytes> next_raw(Millis timeout);
    // As next_raw, decoded. Throws DecodeError for malformed packets.
    std::optional<Packet> next(Millis timeout);

    // Raw payload bytes (EXECUTE_DATA replies, MEMORY_READ data): exactly out.size() bytes or
    // TimeoutError naming `what`.
    void read_raw(std::span<std::uint8_t> out, Millis timeout, std::string_view what);

    void send(const Packet& packet, Millis timeout);
    // Raw bytes (READ_DATA answers, memory contents) as one message.
    void send_raw(ByteView data, Millis timeout);

    // Bytes received but not yet consumed (to recognise a non-Sahara peer, e.g. Firehose XML).
    ByteView peek() const { return buffered_; }
    // Drops buffered bytes (after a protocol reset).
    void discard_buffer() { buffered_.clear(); }
    Transport& transport() { return transport_; }
    const Transport& transport() const { return transport_; }

  private:
    bool fill(Millis timeout);  // one read into the buffer; false on timeout
    Transport& transport_;
    std::string side_;
    Bytes buffered_;
    Bytes scratch_;
};

}  // namespace cr::sahara
