#include "protocols/mhi/bhi.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "src/util/error.hpp"

namespace cr::mhi {

std::string to_string(ExecEnv ee) {
    switch (ee) {
        case ExecEnv::pbl:
            return "PBL";
        case ExecEnv::sbl:
            return "SBL";
        case ExecEnv::amss:
            return "AMSS (normal)";
        case ExecEnv::rddm:
            return "RDDM (crash dump)";
        case ExecEnv::wfw:
            return "WFW";
        case ExecEnv::pt:
            return "PT";
        case ExecEnv::edl:
            return "EDL";
        case ExecEnv::fp:
            return "FP (flash programmer)";
        case ExecEnv::uefi:
            return "UEFI";
    }
    return fmt::format("EE {}", static_cast<std::uint32_t>(ee));
}

std::string_view ee_meaning(ExecEnv ee) {
    switch (ee) {
        case ExecEnv::pbl:
            return "the boot ROM is starting (or stuck before loading SBL)";
        case ExecEnv::sbl:
            return "the secondary boot loader runs (booting, not EDL)";
        case ExecEnv::amss:
            return "the modem firmware runs normally";
        case ExecEnv::rddm:
            return "the modem crashed and waits for a RAM dump";
        case ExecEnv::edl:
            return "emergency download: the boot ROM waits for a programmer";
        case ExecEnv::fp:
            return "a flash programmer runs";
        default:
            return "an execution environment cellrescue does not flash from";
    }
}

std::string to_string(BhiStatus status) {
    switch (status) {
        case BhiStatus::reset:
            return "idle";
        case BhiStatus::success:
            return "image accepted";
        case BhiStatus::error:
            return "image rejected";
    }
    return fmt::format("status {}", static_cast<std::uint32_t>(status));
}

std::string DeviceInfo::pk_hash_hex() const {
    std::size_t n = oempkhash.size();
    while (n > 0 && (oempkhash[n - 1] & 0xff) == 0) --n;
    if (n == 0) return {};
    n = n <= 32 ? 32 : 48;
    std::string hex;
    for (std::size_t i = 0; i < n; ++i) hex += fmt::format("{:02x}", oempkhash[i] & 0xff);
    return hex;
}

bool DeviceInfo::image_rejected() const {
    return bhi_status() == BhiStatus::error || errorcode != 0;
}

namespace {

// The fields in structure order; one list for both directions keeps them in step.
template <typename Info, typename Fn>
void for_each_field(Info& i, Fn&& fn) {
    for (auto* f :
         {&i.ver_minor, &i.ver_major, &i.image_address_low, &i.image_address_high, &i.image_size,
          &i.rsvd1, &i.imgtxdb, &i.rsvd2, &i.msivec, &i.rsvd3, &i.ee, &i.status, &i.errorcode,
          &i.errdbg1, &i.errdbg2, &i.errdbg3, &i.sernum, &i.sblantirollbackver, &i.numsegs})
        fn(*f);
    for (auto& f : i.msmhwid) fn(f);
    for (auto& f : i.oempkhash) fn(f);
    fn(i.rsvd5);
}

}  // namespace

DeviceInfo decode_device_info(ByteView buffer) {
    if (buffer.size() < kDeviceInfoSize)
        throw DecodeError(fmt::format("BHI device info is {} bytes, the driver's structure has {}",
                                      buffer.size(), kDeviceInfoSize));
    DeviceInfo info;
    ByteReader r(buffer, "BHI device info");
    for_each_field(info, [&](std::uint32_t& f) { f = r.u32(); });
    return info;
}

Bytes encode_device_info(const DeviceInfo& info) {
    ByteWriter w;
    DeviceInfo copy = info;
    for_each_field(copy, [&](std::uint32_t& f) { w.u32(f); });
    return w.view();
}

HostLayout native_layout() {
    return sizeof(std::size_t) == 8 ? HostLayout::lp64 : HostLayout::lp32;
}

std::size_t size_prefix_bytes(HostLayout layout) {
    return layout == HostLayout::lp64 ? 8 : 4;
}

Bytes encode_write_image(ByteView image, HostLayout layout) {
    if (layout == HostLayout::lp32 && image.size() > 0xffffffffu)
        throw DecodeError("the image is larger than a 32-bit host's size_t");
    ByteWriter w;
    if (layout == HostLayout::lp64)
        w.u64(image.size());
    else
        w.u32(static_cast<std::uint32_t>(image.size()));
    w.bytes(image);
    return w.view();
}

std::uint64_t decode_write_image_length(ByteView prefix, HostLayout layout) {
    ByteReader r(prefix, "BHI image length");
    return layout == HostLayout::lp64 ? r.u64() : r.u32();
}

ByteView decode_write_image(ByteView buffer, HostLayout layout) {
    std::uint64_t length = decode_write_image_length(buffer, layout);
    std::size_t head = size_prefix_bytes(layout);
    if (length == 0) throw DecodeError("BHI image buffer announces an empty image");
    if (length > buffer.size() - head)
        throw DecodeError(fmt::format("BHI image buffer announces {} bytes but carries {}", length,
                                      buffer.size() - head));
    return buffer.subspan(head, static_cast<std::size_t>(length));
}

}  // namespace cr::mhi
