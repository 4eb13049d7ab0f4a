#include "protocols/sahara/sahara_stream.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "src/util/error.hpp"

namespace cr::sahara {
namespace {
// Large enough for any USB bulk transfer a target sends (a short read would overflow).
constexpr std::size_t kReadChunk = 64 * 1024;
}  // namespace

PacketStream::PacketStream(Transport& transport, std::string side)
    : transport_(transport), side_(std::move(side)), scratch_(kReadChunk) {}

bool PacketStream::fill(Millis timeout) {
    std::size_t n = transport_.read(scratch_, timeout);
    if (n == 0) return false;
    buffered_.insert(buffered_.end(), scratch_.begin(), scratch_.begin() + n);
    return true;
}

std::optional<Bytes> PacketStream::next_raw(Millis timeout) {
    Deadline deadline(timeout);
    while (buffered_.size() < kHeaderSize)
        if (!fill(deadline.remaining())) return std::nullopt;
    Header h = decode_header(buffered_);
    while (buffered_.size() < h.length)
        if (!fill(deadline.remaining())) return std::nullopt;
    Bytes packet(buffered_.begin(), buffered_.begin() + h.length);
    buffered_.erase(buffered_.begin(), buffered_.begin() + h.length);
    return packet;
}

std::optional<Packet> PacketStream::next(Millis timeout) {
    auto raw = next_raw(timeout);
    if (!raw) return std::nullopt;
    try {
        Packet p = decode(*raw);
        spdlog::trace("sahara {} <- {}", side_, describe(p));
        return p;
    } catch (const DecodeError&) {
        spdlog::trace("sahara {} <- malformed packet of {} bytes", side_, raw->size());
        throw;
    }
}

void PacketStream::read_raw(std::span<std::uint8_t> out, Millis timeout, std::string_view what) {
    Deadline deadline(timeout);
    std::size_t have = std::min(out.size(), buffered_.size());
    std::copy_n(buffered_.begin(), have, out.begin());
    buffered_.erase(buffered_.begin(), buffered_.begin() + have);
    while (have < out.size()) {
        auto rest = out.subspan(have);
        // Read straight into the destination when it is big; buffer small tails so a peer's
        // following packet is never split into the payload.
        std::size_t n = rest.size() >= kReadChunk ? transport_.read(rest, deadline.remaining()) : 0;
        if (rest.size() < kReadChunk) {
            if (!fill(deadline.remaining()))
                throw TimeoutError(
                    fmt::format("{}: got {} of {} bytes from {} before the wait "
                                "ran out",
                                what, have, out.size(), transport_.description()));
            n = std::min(rest.size(), buffered_.size());
            std::copy_n(buffered_.begin(), n, rest.begin());
            buffered_.erase(buffered_.begin(), buffered_.begin() + n);
        } else if (n == 0) {
            throw TimeoutError(fmt::format("{}: got {} of {} bytes from {} before the wait ran out",
                                           what, have, out.size(), transport_.description()));
        }
        have += n;
    }
    spdlog::trace("sahara {} <- {} raw bytes ({})", side_, out.size(), what);
}

void PacketStream::send(const Packet& packet, Millis timeout) {
    spdlog::trace("sahara {} -> {}", side_, describe(packet));
    transport_.write(encode(packet), timeout);
}

void PacketStream::send_raw(ByteView data, Millis timeout) {
    spdlog::trace("sahara {} -> {} raw bytes", side_, data.size());
    // One message: over USB an answer split in pieces would get zero-length packets between them.
    if (!data.empty()) transport_.write(data, timeout);
}

}  // namespace cr::sahara
