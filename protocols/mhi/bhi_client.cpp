#include "protocols/mhi/bhi_client.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"

namespace cr::mhi {
namespace {

[[noreturn]] void throw_rejected(const DeviceInfo& after) {
    throw ProtocolError(
        fmt::format("the boot ROM rejected the programmer ({}, error code 0x{:x})",
                    to_string(after.bhi_status()), after.errorcode),
        "in EDL, still waiting for a programmer (nothing was written to flash)",
        "the programmer does not fit this chip or its secure-boot key: use the prog_firehose "
        "file of this module's own firmware package (--programmer)");
}

}  // namespace

DeviceInfo BhiClient::device_info() {
    Bytes buf(kDeviceInfoSize);
    io_.get_device_info(buf);
    return decode_device_info(buf);
}

void BhiClient::require_edl(const DeviceInfo& info, const std::string& node) {
    ExecEnv ee = info.exec_env();
    if (ee == ExecEnv::edl) return;
    std::string next;
    switch (ee) {
        case ExecEnv::amss:
            next =
                "switch it to EDL first: `cellrescue edl enter -d /dev/mhi_DIAG` (or let "
                "flash/rescue do it)";
            break;
        case ExecEnv::pbl:
        case ExecEnv::sbl:
            next = "it is still booting: wait a few seconds and retry; if it stays in " +
                   to_string(ee) + ", power-cycle the host";
            break;
        case ExecEnv::rddm:
            next = "it crashed: power-cycle the host (the crash dump is lost) and retry";
            break;
        default:
            next = "power-cycle the host and retry";
    }
    throw ProtocolError(fmt::format("{} reports execution environment {}, not EDL (bhi_ee {} != 6)",
                                    node, to_string(ee), info.ee),
                        fmt::format("{}: {}; nothing was sent", to_string(ee), ee_meaning(ee)),
                        next);
}

void BhiClient::load_programmer(ByteView programmer) {
    require_edl(device_info(), io_.description());
    Bytes buffer = encode_write_image(programmer, layout_);
    try {
        io_.write_image(buffer);
    } catch (const ProtocolError&) {
        // The driver's errno says little; the BHI registers say why (status/error code).
        DeviceInfo after = device_info();
        if (after.image_rejected()) throw_rejected(after);
        throw;
    }
    DeviceInfo after = device_info();
    if (after.image_rejected()) throw_rejected(after);
}

}  // namespace cr::mhi
