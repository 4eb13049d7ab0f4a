#include "sim/at/module_facts.hpp"

#include "nv/imei.hpp"
#include "sim/diag/efs_store.hpp"
#include "src/util/error.hpp"

namespace cr::sim {

ModuleFacts read_module_facts(VirtualModule& module) {
    ModuleFacts f;
    if (module.model().storage == StorageKind::none) return f;  // u-blox: not ours
    const EfsTree tree = load_efs(module);
    const EfsHealth health = efs_health(tree);
    if (const EfsNode* imei = tree.find("/nvm/num/550")) {
        try {
            f.imei = nv::decode_imei_nv(imei->data);
        } catch (const DecodeError&) {
            // garbage in NV 550 reads as no IMEI, as AT+CGSN shows on a real module
        }
    }
    f.rf_calibrated = health.rfnv_files > 0;
    f.efs_wiped = !health.has_imei && !f.rf_calibrated;
    if (health.nv453 && !health.nv453->empty()) f.ftm_mode = (*health.nv453)[0];
    f.not_calibrated = !health.calibrated();
    const DiagRuntime runtime = diag_runtime(module.state());
    f.restore_pending = runtime.pending_reset || runtime.offline;
    return f;
}

int at_cfun(const ModuleFacts& facts, int user_cfun) {
    if (facts.restore_pending) return 7;
    if (facts.not_calibrated || facts.ftm_mode != 0) return 5;
    return user_cfun;
}

void reset_modem(VirtualModule& module) {
    module.update([](ModuleState& s) { set_diag_runtime(s, DiagRuntime{}); });
}

}  // namespace cr::sim
