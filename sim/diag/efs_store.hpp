// The virtual module's EFS2 file system, persisted inside its efs2 partition, so that erasing
// efs2 over Firehose leaves the skeleton EFS over DIAG and a raw efs2 restore brings it back.
#pragma once
#include "sim/core/virtual_module.hpp"

namespace cr::sim {

// A calibrated factory EFS: NV items (IMEIs from the module state, NV 453 = 0), rfnv files,
// provisioning files; about 1,500 files / 3 MB.
void write_factory_efs(VirtualModule& module);

}  // namespace cr::sim
