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
// A fresh boot (state().firehose_running still false on entry: the caller has just uploaded the
// programmer) prints the banner and sets firehose_running; a re-attach (already true) does not.
void serve_firehose(VirtualModule& module, Transport& port, std::stop_token stop);

}  // namespace cr::sim
