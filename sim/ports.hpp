// The virtual module's USB functions. Each serves one port over any Transport (the device side
// of a socketpair, a pty, or emulated USB) until the host side goes away or stop is requested,
// reading and writing the module's shared state. A port that does not exist in the module's
// current mode (e.g. DIAG while in EDL) is not served: the opener reports that.
#pragma once
#include <stop_token>

#include "sim/core/virtual_module.hpp"
#include "src/transport/transport.hpp"

namespace cr::sim {

// EDL: Sahara (HELLO first), then Firehose once a programmer has been uploaded and accepted;
// straight to Firehose when state().firehose_running. Crash-dump mode: Sahara memory debug.
void serve_edl(VirtualModule& module, Transport& port, std::stop_token stop);
// DIAG (QCDM over HDLC) in normal mode.
void serve_diag(VirtualModule& module, Transport& port, std::stop_token stop);
// AT command port in normal mode (Quectel or u-blox personality by vendor).
void serve_at(VirtualModule& module, Transport& port, std::stop_token stop);

}  // namespace cr::sim
