// The persistent AT-level settings cellrescue keeps across a flash (PROTOCOLS.md §11): for each,
// how to query it, how its answer reads, how to set it, and when a change takes effect. Pure
// data and command building; the I/O is in settings_client.hpp.
//
// Quectel: AT+QCFG usbnet, data_interface, pcie/mode, usbspeed, nat (RM5xx), band and
// nwscanmode (EC2x); AT+QMAPWAC; AT+QNWPREFCFG mode_pref, nr5g_band, nsa_nr5g_band, lte_band;
// AT+QMBNCFG AutoSel and Select; AT+CGDCONT (one setting per context).
// u-blox: AT+UMNOPROF, AT+URAT, AT+UBANDMASK, AT+USIO, AT+CGDCONT.
// A module that does not know a setting answers ERROR / +CME ERROR; that setting is then
// "unsupported" on that firmware (reported, never forced).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/at/settings_values.hpp"

namespace cr::at::settings {

enum class Vendor { quectel, ublox };
std::string_view to_string(Vendor vendor);
std::optional<Vendor> parse_vendor(std::string_view text);

// When a change is live.
enum class Effect {
    immediate,         // at once (saved to NVM automatically)
    reboot,            // saved at once, live after a reboot (AT+CFUN=1,1 / AT+CFUN=15)
    radio_off_reboot,  // only accepted at AT+CFUN=0, live after a reboot (+UMNOPROF)
};
std::string_view to_string(Effect effect);

// Settings that select a profile (carrier MBN, MNO profile) come first: when the new profile
// becomes live at the next boot it rewrites others (bands, RATs, the default APN), so those are
// applied only after that reboot.
enum class Phase { profile, normal };

struct SettingSpec {
    std::string id;  // "qcfg/usbnet", "cgdcont" (one setting per context: "cgdcont/1")
    Vendor vendor;
    std::string query;   // AT+QCFG="usbnet"
    std::string prefix;  // +QCFG:
    std::string key;     // first parameter of the answer ("usbnet"), or "" when there is none
    std::string set;     // the set command up to its value: AT+QCFG="usbnet",
    ValueKind kind;
    Effect effect;
    Phase phase;
    std::string what;          // for people: "USB network mode (0 RMNET, 1 ECM, 2 MBIM, 3 RNDIS)"
    bool per_context = false;  // +CGDCONT: one setting per <cid>
};

// The settings of a vendor, in the order they are read and (within a phase) applied.
const std::vector<SettingSpec>& catalogue(Vendor vendor);
// The spec of a setting id ("cgdcont/3" -> the cgdcont spec); nullptr when unknown.
const SettingSpec* find_spec(Vendor vendor, std::string_view id);

// The commands that set `id` to `value` (checked first: throws DecodeError naming the setting
// when the value is not a valid value of its kind). Usually one; +UBANDMASK gives one per RAT.
std::vector<std::string> set_commands(const SettingSpec& spec, std::string_view id,
                                      std::string_view value);

// The context id of "cgdcont/<cid>" (1..255), or 0 when `id` is not a context id.
int context_id(std::string_view id);

// +UBANDMASK answers "<RAT>,<mask1>[,<mask2>][,<RAT>,<mask1>[,<mask2>]]...": the per-RAT
// groups ("0,185473183", "1,185473183"). Masks per RAT are the same for all groups; RATs are
// 0..2 and increasing. Empty when the text does not split that way.
std::vector<std::string> bandmask_groups(std::string_view value);

}  // namespace cr::at::settings
