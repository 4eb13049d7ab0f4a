// The virtual Firehose programmer: runs on the EDL port once the Sahara target has accepted a
// programmer upload (or straight away when state().firehose_running).
#pragma once
#include <stop_token>

#include "sim/core/virtual_module.hpp"
#include "src/transport/transport.hpp"

namespace cr::sim {

void serve_firehose(VirtualModule& module, Transport& port, std::stop_token stop);

}  // namespace cr::sim
