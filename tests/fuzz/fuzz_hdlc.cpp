// Fuzzes the HDLC deframer (arbitrary chunking), the one-frame decoder and unescape; checks
// that every good frame re-encodes to something that decodes back to the same payload.
#include <cstdlib>

#include "protocols/diag/hdlc.hpp"
#include "src/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cr;
    ByteView in(data, size);
    diag::HdlcDeframer d(4096);
    std::size_t pos = 0, step = size ? (data[0] % 7) + 1 : 1;
    while (pos < size) {
        std::size_t n = std::min(step, size - pos);
        for (auto& ev : d.feed(in.subspan(pos, n))) {
            (void)ev.describe();
            if (ev.kind == diag::HdlcEvent::Kind::frame &&
                diag::hdlc_decode(diag::hdlc_encode(ev.payload)) != ev.payload)
                std::abort();
        }
        pos += n;
        step = step % 5 + 1;
    }
    try {
        (void)diag::hdlc_decode(in);
    } catch (const Error&) {
    }
    try {
        (void)diag::hdlc_unescape(in);
    } catch (const Error&) {
    }
    return 0;
}
