#include "protocols/diag/nv_client.hpp"

#include <fmt/format.h>

namespace cr::diag {
namespace {

constexpr std::uint8_t kNvSubsys = 0x30;
constexpr std::uint16_t kNvReadExt = 1, kNvWriteExt = 2;

}  // namespace

std::string nv_status_name(std::uint16_t status) {
    static constexpr const char* names[] = {"DONE",  "BUSY",      "BADCMD",  "FULL",
                                            "FAIL",  "NOTACTIVE", "BADPARM", "READONLY",
                                            "BADTG", "NOMEM",     "NOTALLOC"};
    if (status < std::size(names)) return names[status];
    return fmt::format("status {}", status);
}

std::string nv_status_meaning(std::uint16_t status) {
    switch (static_cast<NvStatus>(status)) {
        case NvStatus::done:
            return "done";
        case NvStatus::busy:
            return "the NV task is busy";
        case NvStatus::badcmd:
            return "unknown NV command";
        case NvStatus::full:
            return "NV memory is full";
        case NvStatus::fail:
            return "the NV operation failed";
        case NvStatus::notactive:
            return "the item is not present (never written or erased)";
        case NvStatus::badparm:
            return "bad parameter (item id or index out of range)";
        case NvStatus::readonly:
            return "the item is read-only";
        case NvStatus::badtg:
            return "the item is not defined for this target";
        case NvStatus::nomem:
            return "out of NV memory";
        case NvStatus::notalloc:
            return "the item is not allocated";
    }
    return "unknown NV status";
}

std::string NvResult::describe() const {
    if (diag_error != 0)
        return fmt::format("{}: {}", error_reply_name(diag_error), error_reply_meaning(diag_error));
    return fmt::format("{} ({})", nv_status_name(status), nv_status_meaning(status));
}

Bytes encode_nv_request(bool write, bool ext, std::uint16_t item, std::uint16_t sub,
                        ByteView data) {
    if (data.size() > kNvDataSize)
        throw UsageError(
            fmt::format("NV item data is at most {} bytes, got {}", kNvDataSize, data.size()));
    if (!ext && sub != 0)
        throw UsageError("NV_READ/NV_WRITE address subscription 0 only; use the EXT form");
    ByteWriter w;
    if (ext)
        w.u8(kSubsys).u8(kNvSubsys).u16(write ? kNvWriteExt : kNvReadExt).u16(item).u16(sub);
    else
        w.u8(write ? kNvWrite : kNvRead).u16(item);
    w.bytes(data).zeros(kNvDataSize - data.size()).u16(0);
    return w.take();
}

NvResult decode_nv_reply(ByteView reply, bool ext) {
    ByteReader r(reply, ext ? "NV_READ_EXT reply" : "NV_READ reply");
    NvResult out;
    std::uint8_t cmd = r.u8();
    if (ext) {
        std::uint8_t ss = r.u8();
        std::uint16_t code = r.u16();
        if (cmd != kSubsys || ss != kNvSubsys || (code != kNvReadExt && code != kNvWriteExt))
            throw DecodeError("reply is not an NV_READ_EXT/NV_WRITE_EXT reply");
        out.item = r.u16();
        out.sub = r.u16();
    } else {
        if (cmd != kNvRead && cmd != kNvWrite)
            throw DecodeError(fmt::format("reply 0x{:02X} is not an NV_READ/NV_WRITE reply", cmd));
        out.item = r.u16();
    }
    auto data = r.bytes(kNvDataSize);
    out.data.assign(data.begin(), data.end());
    out.status = r.u16();
    return out;
}

namespace {

NvResult refused(std::uint16_t item, std::uint16_t sub, std::uint8_t diag_error) {
    NvResult r;
    r.item = item;
    r.sub = sub;
    r.diag_error = diag_error;
    r.data.assign(kNvDataSize, 0);
    return r;
}

}  // namespace

NvResult NvClient::transact(bool write, std::uint16_t item, std::uint16_t sub, ByteView data) {
    bool ext = uses_ext(sub);
    Bytes req = encode_nv_request(write, ext, item, sub, data);
    std::string name =
        fmt::format("NV_{}{} {} (sub {})", write ? "WRITE" : "READ", ext ? "_EXT" : "", item, sub);
    try {
        NvResult r = decode_nv_reply(diag_.request(req, name), ext);
        if (r.item != item) throw DecodeError(fmt::format("{}: reply names item {}", name, r.item));
        r.sub = sub;
        return r;
    } catch (const DiagCommandError& e) {
        return refused(item, sub, e.code());
    }
}

std::vector<NvResult> NvClient::read_many(std::span<const NvReadRequest> requests) {
    std::vector<Bytes> wire;
    wire.reserve(requests.size());
    for (const auto& q : requests) {
        Bytes data;
        if (q.index) data.push_back(*q.index);
        wire.push_back(encode_nv_request(false, uses_ext(q.sub), q.item, q.sub, data));
    }
    std::vector<NvResult> out(requests.size());
    diag_.request_pipelined(
        wire, "NV_READ",
        [&](std::size_t i, Bytes& reply) {
            const NvReadRequest& q = requests[i];
            if (!reply.empty() && is_error_reply(reply[0]) && reply[0] != wire[i][0]) {
                out[i] = refused(q.item, q.sub, reply[0]);
                return;
            }
            NvResult r = decode_nv_reply(reply, uses_ext(q.sub));
            if (r.item != q.item)
                throw DecodeError(
                    fmt::format("NV_READ {} (sub {}): reply names item {}", q.item, q.sub, r.item));
            r.sub = q.sub;
            out[i] = std::move(r);
        },
        ErrorReplies::deliver);
    return out;
}

NvResult NvClient::read(std::uint16_t item, std::uint16_t sub) {
    return transact(false, item, sub, {});
}

NvResult NvClient::read_indexed(std::uint16_t item, std::uint8_t index, std::uint16_t sub) {
    Bytes data{index};
    return transact(false, item, sub, data);
}

NvResult NvClient::write(std::uint16_t item, ByteView data, std::uint16_t sub) {
    return transact(true, item, sub, data);
}

}  // namespace cr::diag
