#include "sim/diag/efs_store.hpp"

namespace cr::sim {

// Interim: the DIAG target's owner replaces this with the calibrated EFS writer.
void write_factory_efs(VirtualModule&) {}

}  // namespace cr::sim
