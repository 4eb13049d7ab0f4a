// Fuzz target: the QCN (OLE2 via libgsf) reader. Anything it accepts must survive a write/read
// round trip unchanged.
#include <cstdint>
#include <cstdlib>

#include "nv/qcn.hpp"
#include "src/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        cr::nv::Calibration cal = cr::nv::read_qcn(cr::ByteView(data, size));
        cr::nv::Calibration back = cr::nv::read_qcn(cr::nv::write_qcn(cal));
        if (back.nv != cal.nv || back.efs != cal.efs) std::abort();
    } catch (const cr::Error&) {
    }
    return 0;
}
