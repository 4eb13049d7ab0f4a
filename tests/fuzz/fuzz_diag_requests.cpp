// Fuzzes what a third-party DIAG client may send the virtual module's mask commands
// (LOG_CONFIG 73, EVENT_REPORT 60, event masks 81/82, EXT_MSG_CONFIG 7D): every request gets a
// reply or nullopt, never a crash, and a reply never claims more mask bytes than it holds.
#include "sim/diag/diag_masks.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cr;
    sim::MaskCommands masks(sim::DiagMasks{});
    ByteView in(data, size);
    if (auto reply = masks.handle(in)) {
        if (reply->empty()) std::abort();
    }
    // The same bytes as each mask command, so every parser sees them.
    for (std::uint8_t cmd : {0x73, 0x60, 0x81, 0x82, 0x7D}) {
        Bytes req(in.begin(), in.end());
        if (req.empty()) req.push_back(cmd);
        req[0] = cmd;
        (void)masks.handle(req);
    }
    return 0;
}
