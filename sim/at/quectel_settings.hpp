// The persistent settings of a virtual Quectel module, answered as the Quectel AT manuals
// describe (RG520N&RM5x0N AT Commands Manual v1.1 §3.3, §5.6, §5.24; the MBN manual;
// PROTOCOLS.md §11). Query and set forms share one command:
//   AT+QCFG="usbnet"          -> +QCFG: "usbnet",0            AT+QCFG="usbnet",1   -> OK
//   AT+QCFG="data_interface"  -> +QCFG: "data_interface",0,0  (RM5xx; reboot)
//   AT+QCFG="pcie/mode"       -> +QCFG: "pcie/mode",0         (RM5xx; reboot)
//   AT+QCFG="usbspeed"        -> +QCFG: "usbspeed","312"      (RM5xx; reboot)
//   AT+QCFG="nat"             -> +QCFG: "nat",0               (RM520N before R03 only; reboot)
//   AT+QCFG="band"            -> +QCFG: "band",0xd3,0x1a0000800d5,0x0   (EC25)
//   AT+QCFG="nwscanmode"      -> +QCFG: "nwscanmode",0        (EC25)
//   AT+QMAPWAC?               -> +QMAPWAC: 0                  (RM5xx; RM520N before R03)
//   AT+QNWPREFCFG="lte_band"  -> +QNWPREFCFG: "lte_band",1:2:3  (RM5xx; band lists sorted)
//   AT+QMBNCFG="List"|"AutoSel"[,n]|"Select"[,"name"]|"Deactivate"  (AutoSel/Select: reboot)
//   AT+CGDCONT?/=...          (sim/core/module_settings.hpp)
// Items a model's firmware does not know answer ERROR, as the manuals' "If there is any error:
// ERROR" (the EC25 has no QNWPREFCFG/data_interface/pcie/usbspeed; the virtual RM520N firmware
// from revision R03 on drops "nat" and QMAPWAC, absent from the public 2025 RM5x0N manual:
// modelled, so that "the new firmware no longer knows a setting" can be tried).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "sim/core/virtual_module.hpp"

namespace cr::sim {

// Handles a settings command (`cmd` is what follows "AT", original case). Returns the full reply
// text ("\r\n+QCFG: ...\r\n\r\nOK\r\n" or "\r\nERROR\r\n"); nullopt when `cmd` is not one.
std::optional<std::string> quectel_settings_command(VirtualModule& module, std::string_view cmd);

// The module boots (AT+CFUN=1,1): reboot-effect settings become active; when the active carrier
// configuration changes, PDP context 1 takes that MBN's default (as carrier MBNs do).
void quectel_settings_boot(VirtualModule& module);

// Revision number of a Quectel firmware name ("RM520NGLAAR01A07M4G" -> 1); -1 when not found.
int quectel_revision(std::string_view firmware);

}  // namespace cr::sim
