// The virtual module's DIAG port: HDLC frames in, DiagTarget replies out. Once the host has
// turned on logs, events or messages (diag_masks.hpp), unsolicited frames of those kinds come
// now and then (deterministically), as a running modem sends them; before that, none.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocols/diag/hdlc.hpp"
#include "sim/diag/diag_target.hpp"
#include "sim/ports.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"
#include "src/util/hex_view.hpp"

namespace cr::sim {
namespace {

constexpr Millis kPoll{100};
constexpr Millis kWriteTimeout{5000};

// Every 5th reply is preceded by one unsolicited frame of a kind the host turned on (rotating
// over log, event, message); nothing when none is on.
Bytes unsolicited_frame(std::uint64_t n, const DiagMasks& masks) {
    const bool on[3] = {masks.logs, masks.events, masks.messages};
    for (std::uint64_t k = 0; k < 3; ++k) {
        std::uint64_t kind = (n + k) % 3;
        if (!on[kind]) continue;
        ByteWriter w;
        if (kind == 0)
            w.u8(0x10).u8(0).u16(16).u16(16).u16(0x1375).u64(n).u32(0xCAFE);
        else if (kind == 1)
            w.u8(0x60).u16(6).u16(0x01F2).u32(static_cast<std::uint32_t>(n));
        else
            w.u8(0x79).u8(0).u8(0).u8(0).u64(n).cstring("modem: rrc idle");
        return diag::hdlc_encode(w.view());
    }
    return {};
}

}  // namespace

void serve_diag(VirtualModule& module, Transport& port, std::stop_token stop) {
    if (module.state().mode != Mode::normal)
        throw ProtocolError(fmt::format("{} is not in normal mode: no DIAG port", module.id()));
    DiagTarget target(module);
    diag::HdlcDeframer deframer;
    std::vector<std::uint8_t> buf(16384);
    std::uint64_t replies = 0;
    while (!stop.stop_requested()) {
        std::size_t n = port.read(buf, kPoll);  // DeviceGoneError ends the session
        if (n == 0) continue;
        for (auto& ev : deframer.feed(ByteView(buf.data(), n))) {
            if (ev.kind != diag::HdlcEvent::Kind::frame) {
                // A real target drops damaged frames silently; the host times out.
                spdlog::trace("virtual DIAG: dropped {}", ev.describe());
                continue;
            }
            spdlog::trace("virtual DIAG < {}", hex_view(ev.payload));
            DiagTarget::Reply reply = target.handle(ev.payload);
            Bytes out;
            if (++replies % 5 == 0) out = unsolicited_frame(replies, target.masks());
            Bytes framed = diag::hdlc_encode(reply.payload);
            out.insert(out.end(), framed.begin(), framed.end());
            spdlog::trace("virtual DIAG > {}", hex_view(reply.payload));
            port.write(out, kWriteTimeout);
            if (reply.after == DiagTarget::After::close_port)
                return;  // the module reboots: the port goes away
        }
    }
}

}  // namespace cr::sim
