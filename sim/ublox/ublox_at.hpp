// The virtual u-blox modules' AT port (SARA-R412M, SARA-R5, LENA-R8): identity and settings
// commands, and the firmware-update state machines of the FOAT app notes (PROTOCOLS.md §9):
// AT+UFWUPD (XMODEM inside the C/NAK handshake window, baud switch on R5/LENA), the FOAT file
// system (AT+UDWNFILE/ULSTFILE/UDELFILE), AT+UFWINSTALL, validation of the package format of
// ublox_package.hpp (corruption -> 148/173), install progress, reboot with a greeting, ERROR1 /
// Timeout, power loss during install (update mode until a fresh handshake).
// State lives in the module's state().firmware and state().extra["ublox"] (see ublox_state.hpp).
#pragma once
#include <stop_token>

#include "sim/core/virtual_module.hpp"
#include "src/transport/transport.hpp"

namespace cr::sim {

// Serves the AT port until the host hangs up (DeviceGoneError from the Transport), `stop` is
// requested, or the module drops the port (R4 install: returns; the host then reads EOF).
void serve_ublox_at(VirtualModule& module, Transport& port, std::stop_token stop);

}  // namespace cr::sim
