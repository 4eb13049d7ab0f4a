// What the Quectel AT personality derives from the module's shared state: the EFS2 contents the
// DIAG target keeps inside efs2 (NV 550, NV 453, rfnv) and the DIAG target's "restore written,
// not yet reset" flag. Nothing here is stored by the AT side: CFUN is computed, never set, so an
// erase over Firehose or a restore over DIAG shows up on the AT port exactly as on a real module.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "sim/core/virtual_module.hpp"

namespace cr::sim {

struct ModuleFacts {
    std::optional<std::string> imei;  // NV 550 (first SIM), nullopt when missing/erased
    bool rf_calibrated = false;       // /nv/item_files/rfnv holds files
    bool efs_wiped = false;           // no NV 550 and no rfnv: the skeleton EFS (PROTOCOLS §7)
    bool not_calibrated = false;      // anything missing (550, 453, rfnv): the modem stays CFUN=5
    std::uint32_t ftm_mode = 0;       // NV 453, 0 when missing
    bool restore_pending = false;     // restore written over DIAG but the module not reset
};

// Reads the facts now (the EFS may change between commands: another port, another process).
ModuleFacts read_module_facts(VirtualModule& module);

// The CFUN the AT port reports: 7 after DIAG writes without a reset, 5 for an uncalibrated EFS
// or FTM mode (the DIAG target's sim::derived_cfun rules), otherwise what the host last asked
// for (`user_cfun`: 0, 1 or 4).
int at_cfun(const ModuleFacts& facts, int user_cfun);

// A reset (AT+CFUN=1,1) as the modem sees it: the DIAG runtime (offline, restore pending, SPC
// unlock) starts afresh, so a restored EFS becomes live.
void reset_modem(VirtualModule& module);

}  // namespace cr::sim
