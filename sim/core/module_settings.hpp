// The persistent AT-level settings of a virtual module (PROTOCOLS.md §11), shared by the Quectel
// and u-blox AT personalities: state.extra["settings"] = {"configured": {...}, "active": {...}}.
// "configured" is what a query shows (saved at once, as the manuals say); "active" is what the
// module runs with, which for reboot-effect settings changes only at the next boot. An absent key
// means the factory default of the current firmware, so a fresh or wiped module needs no entry.
//
// A flash resets them as on real modules: a Firehose program or erase that touches the
// firmware partitions holding them (modem, system, efs2) returns every setting to its factory
// default (note_flash_write); so do a factory provisioning, an efs2 wipe and a u-blox full flash.
// FOAT keeps them (u-blox app note: only a full flash erases the MNO profile and NVM settings).
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sim/core/virtual_module.hpp"

namespace cr::sim {

enum class SettingLayer { configured, active };

// A stored value (null when the default applies).
nlohmann::json stored_setting(const ModuleState& state, SettingLayer layer, std::string_view key);
void store_setting(ModuleState& state, SettingLayer layer, const std::string& key,
                   nlohmann::json value);
// Every setting back to factory default.
void reset_settings(ModuleState& state);

// A Firehose program/erase of logical sectors [start, start + count) of one LUN. Resets the
// settings when the range touches modem, system or the live EFS (efs2; modemst1 on GPT).
void note_flash_write(VirtualModule& module, std::uint32_t lun, std::uint64_t start,
                      std::uint64_t count);

// PDP contexts (+CGDCONT), the same on both vendors: cid -> {PDP type, APN}.
struct PdpContext {
    std::string type;
    std::string apn;
};
using PdpContexts = std::map<int, PdpContext>;
PdpContexts pdp_contexts(const ModuleState& state, const PdpContexts& defaults);
void store_pdp_contexts(ModuleState& state, const PdpContexts& contexts);

// `AT+CGDCONT...` (after "AT", original case) on a module with context ids 1..max_cid.
// Returns the information lines to print and sets `ok`; nullopt when `cmd` is not +CGDCONT.
struct CgdcontReply {
    std::vector<std::string> lines;
    bool ok = true;
};
std::optional<CgdcontReply> cgdcont_command(VirtualModule& module, std::string_view cmd,
                                            const PdpContexts& defaults, int max_cid);

}  // namespace cr::sim
