// The virtual module's DIAG port: HDLC frames in, DiagTarget replies out, with unsolicited
// log/event/message frames now and then (deterministically), as a running modem sends them.
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

// Every 5th reply is preceded by one unsolicited frame: a log, an event or a message.
Bytes unsolicited_frame(std::uint64_t n) {
    ByteWriter w;
    switch (n % 3) {
        case 0:
            w.u8(0x10).u8(0).u16(16).u16(16).u16(0x1375).u64(n).u32(0xCAFE);
            break;
        case 1:
            w.u8(0x60).u16(6).u16(0x01F2).u32(static_cast<std::uint32_t>(n));
            break;
        default:
            w.u8(0x79).u8(0).u8(0).u8(0).u64(n).cstring("modem: rrc idle");
            break;
    }
    return diag::hdlc_encode(w.view());
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
            if (++replies % 5 == 0) out = unsolicited_frame(replies);
            Bytes framed = diag::hdlc_encode(reply.payload);
            out.insert(out.end(), framed.begin(), framed.end());
            spdlog::trace("virtual DIAG > {}", hex_view(reply.payload));
            port.write(out, kWriteTimeout);
            if (reply.after == DiagTarget::After::close_port) {
                target.write_back();
                return;  // the module reboots: the port goes away
            }
        }
    }
}

}  // namespace cr::sim
