// A settings record: the persistent AT-level configuration of one module as read from one
// firmware, as a JSON document that stands on its own (`settings save -o`), sits in a settings
// bundle of the backup store, and can be embedded in a snapshot bundle as one entry:
//
//   {"format": "cellrescue-settings", "version": 1, "created": "...Z", "tool": "cellrescue 0.x",
//    "module": {"vendor": "quectel", "model": "RM520N-GL", "imei": "...", "chip_serial": "0x..",
//               "device": "sim:rm520n"},
//    "firmware": "RM520NGLAAR01A07M4G",
//    "settings": [{"id": "qcfg/usbnet", "command": "AT+QCFG=\"usbnet\"", "value": "1",
//                  "set": ["AT+QCFG=\"usbnet\",1"], "effect": "after reboot"}, ...],
//    "unsupported": [{"id": "qcfg/nat", "command": "AT+QCFG=\"nat\"", "reply": "ERROR"}],
//    "carrier_configs": ["ROW_Generic_3GPP", ...]}
//
// "set" and "effect" are written for people and other tools; on re-apply cellrescue rebuilds the
// commands from the catalogue and the validated value, never sending text from the file.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocols/at/settings_catalog.hpp"

namespace cr::at::settings {

inline constexpr const char* record_format = "cellrescue-settings";
inline constexpr int record_version = 1;

struct ModuleInfo {
    Vendor vendor = Vendor::quectel;
    std::string model;        // as the module names itself (ATI / AT+CGMM): "RM520N-GL"
    std::string firmware;     // AT+QGMR / AT+CGMR
    std::string imei;         // AT+CGSN (empty when the module shows none)
    std::string chip_serial;  // from EDL when known ("0x1a2b3c4d"), else empty
    std::string device;       // how it was named with -d ("sim:rm520n", "usb:1-1.2")
};

struct Setting {
    std::string id;       // "qcfg/usbnet", "cgdcont/1"
    std::string command;  // the query it was read with
    std::string value;    // as the module printed it (valid for the setting's kind)
};

struct Unsupported {
    std::string id;
    std::string command;
    std::string reply;  // the final result ("ERROR", "+CME ERROR: 4") or why it was unreadable
};

struct SettingsRecord {
    ModuleInfo module;
    std::string created;                       // UTC ISO-8601, set by whoever saves it
    std::string tool_version;                  // cellrescue version that read it
    std::vector<Setting> settings;             // in catalogue order
    std::vector<Unsupported> unsupported;      // asked, and the firmware does not know them
    std::vector<std::string> carrier_configs;  // Quectel AT+QMBNCFG="List" names (for Select)

    const Setting* find(std::string_view id) const;
    // Also finds "cgdcont" (the whole command unknown) for "cgdcont/<cid>".
    const Unsupported* find_unsupported(std::string_view id) const;
};

nlohmann::json to_json(const SettingsRecord& record);
// Checks the document fully: format/version, vendor, every setting id known to the catalogue of
// its vendor and every value valid for its kind, no duplicate ids, bounded sizes. Throws
// DecodeError naming what is wrong (a file is untrusted input).
SettingsRecord record_from_json(const nlohmann::json& json);
// Parses text (a settings file); throws DecodeError for malformed JSON too.
SettingsRecord record_from_text(std::string_view text);

// One difference between two records, by setting id.
struct SettingDiff {
    std::string id;
    std::string command;
    std::optional<std::string> a;  // value in A (nullopt: not there)
    std::optional<std::string> b;
    std::string note;  // "unknown to firmware X (ERROR)" when one side does not support it
};

struct RecordDiff {
    std::vector<SettingDiff> differences;  // in catalogue order
    std::size_t same = 0;                  // settings equal in both
    bool firmware_differs = false;
    bool empty() const { return differences.empty(); }
};

// Compares by meaning (settings_values.hpp `equivalent`): A's and B's settings, and the ones one
// side could not read. Records of different vendors differ in everything and say so.
RecordDiff diff(const SettingsRecord& a, const SettingsRecord& b);
nlohmann::json to_json(const RecordDiff& diff);

}  // namespace cr::at::settings
