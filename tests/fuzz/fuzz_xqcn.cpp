// Fuzz target: the XQCN reader (pugixml + tree checks + NV/EFS record decoders). Anything it
// accepts must re-serialise and read back to the same content.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nv/xqcn.hpp"
#include "src/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        cr::nv::Calibration cal = cr::nv::read_xqcn(text);
        cr::nv::Calibration back = cr::nv::read_xqcn(cr::nv::write_xqcn(cal));
        if (back.nv != cal.nv || back.efs != cal.efs) std::abort();
    } catch (const cr::Error&) {
    }
    return 0;
}
