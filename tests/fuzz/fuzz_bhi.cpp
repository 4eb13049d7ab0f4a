#include <cstddef>
#include <cstdint>

#include "protocols/mhi/bhi.hpp"
#include "src/util/error.hpp"

// Decoders of what the driver or a caller hands the BHI codec: the GETDEVINFO structure and the
// WRITEIMAGE buffer in both host layouts.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cr::ByteView in(data, size);
    try {
        auto info = cr::mhi::decode_device_info(in);
        (void)cr::mhi::to_string(info.exec_env());
        (void)cr::mhi::to_string(info.bhi_status());
        (void)info.pk_hash_hex();
        if (cr::mhi::encode_device_info(info) != cr::Bytes(in.begin(), in.begin() + 296))
            __builtin_trap();  // the codec must round-trip what it decoded
    } catch (const cr::Error&) {
    }
    for (auto layout : {cr::mhi::HostLayout::lp32, cr::mhi::HostLayout::lp64}) {
        try {
            auto image = cr::mhi::decode_write_image(in, layout);
            if (image.size() + cr::mhi::size_prefix_bytes(layout) > size) __builtin_trap();
        } catch (const cr::Error&) {
        }
    }
    return 0;
}
