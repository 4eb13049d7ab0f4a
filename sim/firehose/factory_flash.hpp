// Factory content of a virtual module's flash: partition table (NAND MIBIB or GPT), firmware
// images in their partitions, factory bad blocks (NAND). Owned by the Firehose target.
#pragma once
#include "sim/core/virtual_module.hpp"

namespace cr::sim {

void write_factory_flash(VirtualModule& module);

}  // namespace cr::sim
