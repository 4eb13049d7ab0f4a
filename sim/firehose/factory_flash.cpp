#include "sim/firehose/factory_flash.hpp"

namespace cr::sim {

// Interim: the Firehose target's owner replaces this with the real partition table and images.
void write_factory_flash(VirtualModule& module) { module.storage().sync(); }

}  // namespace cr::sim
