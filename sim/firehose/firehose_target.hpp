// The virtual Firehose programmer: runs on the EDL port once the Sahara target has accepted a
// programmer upload (or straight away when state().firehose_running). Behaves as PROTOCOLS.md §3
// describes real programmers: banner logs before configure, payload negotiation (NAND: 16 KiB
// supported, 8 KiB offered; UFS/eMMC: 1 MiB), raw program/read phases, NAK + ERROR log for bad
// input, NAND bad-block skipping, `power reset|off` -> normal mode, `power edl` -> Sahara.
#pragma once
#include <stop_token>

#include "sim/core/virtual_module.hpp"
#include "src/transport/transport.hpp"

namespace cr::sim {

// Serves until the host hangs up, stop is requested, or a power command ends the programmer.
// A fresh boot prints the banner: firehose_running false on entry, or a new accepted upload
// (state.extra["sahara"]["uploads"] changed since the last boot). Sets firehose_running; a
// re-attach to the running programmer prints nothing.
void serve_firehose(VirtualModule& module, Transport& port, std::stop_token stop);

}  // namespace cr::sim
