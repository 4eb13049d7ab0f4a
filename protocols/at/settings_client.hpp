// Reading and writing module settings over an open AT channel (no device handling: opening
// ports and rebooting are the caller's, src/workflows/settings/). Every command is sent once,
// each with a bounded timeout; an ERROR is an answer, not a reason to retry.
#pragma once
#include <optional>
#include <string>

#include "protocols/at/at_channel.hpp"
#include "protocols/at/settings_plan.hpp"
#include "protocols/at/settings_record.hpp"

namespace cr::at::settings {

inline constexpr Millis kQueryTimeout{5000};  // the manuals give 300 ms; slow ports get more

// Vendor (AT+CGMI, ATI), model (ATI / AT+CGMM), firmware (AT+QGMR / AT+CGMR), IMEI (AT+CGSN).
// Throws ProtocolError when the module is neither Quectel nor u-blox.
ModuleInfo identify_module(AtChannel& channel);

// Reads every setting of the vendor's catalogue: one query each. OK with a value -> a setting;
// ERROR/+CME ERROR -> unsupported (with the reply); an answer that is not a valid value ->
// unsupported ("answer not understood"). Quectel also lists AT+QMBNCFG="List".
SettingsRecord read_settings(AtChannel& channel, const ModuleInfo& module,
                             Millis timeout = kQueryTimeout);

// Sends a set step's commands in order; stops at the first that is not OK and returns its
// result (nullopt: all OK).
std::optional<FinalResult> write_setting(AtChannel& channel, const PlanStep& step,
                                         Millis timeout = kQueryTimeout);

// Reads one setting now ("cgdcont/2" reads AT+CGDCONT? and picks context 2); nullopt when the
// module answers nothing for it or ERROR.
std::optional<std::string> read_setting(AtChannel& channel, Vendor vendor, const std::string& id,
                                        Millis timeout = kQueryTimeout);

}  // namespace cr::at::settings
