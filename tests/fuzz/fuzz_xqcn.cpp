// Fuzz target: the XQCN reader (pugixml + tree checks + NV/EFS record decoders). Anything it
// accepts must re-serialise and read back to the same content, storage order included; its
// QPST-shaped form, model facts and restore plan must not crash on what it holds.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nv/efs_layout.hpp"
#include "nv/model_check.hpp"
#include "nv/restore_plan.hpp"
#include "nv/xqcn.hpp"
#include "src/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)cr::nv::product_variant(text);
    try {
        cr::nv::Calibration cal = cr::nv::read_xqcn(text);
        cr::nv::Calibration back = cr::nv::read_xqcn(cr::nv::write_xqcn(cal));
        if (back.nv != cal.nv || back.efs != cal.efs || back.group_order != cal.group_order)
            std::abort();
        cr::nv::Calibration shaped = cr::nv::qpst_shaped(cal);
        if (cr::nv::read_xqcn(cr::nv::write_xqcn(shaped)).efs != shaped.efs) std::abort();
        (void)cr::nv::compare_models(cr::nv::backup_model(cal), {24655, "RM520NGLAAR01A07M4G"});
        cr::nv::TargetIdentity target;
        target.imeis = {"356938035643809"};
        (void)cr::nv::plan_restore(cal, target, {"356938035643809", "353918050000005"});
    } catch (const cr::Error&) {
    }
    return 0;
}
