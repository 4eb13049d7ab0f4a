// The persistent state of one virtual module (state.json in its directory).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace cr::sim {

// What the module shows on USB: normal (DIAG/AT ports), EDL (Sahara/Firehose), crash dump.
enum class Mode { normal, edl, crashdump };
std::string_view to_string(Mode mode);
Mode parse_mode(std::string_view text);  // throws UsageError

struct ModuleState {
    std::string id;      // "rm520n" or "rm520n#2"
    std::string model;   // catalogue id
    Mode mode = Mode::normal;
    bool firehose_running = false;  // EDL: programmer uploaded and running until reset/power
    std::uint32_t serial = 0;       // chip serial (Sahara exec 0x01; EDL iProduct _SN:)
    std::string pk_hash_hex;        // OEM PK hash (Sahara exec 0x03), 64 hex digits
    std::vector<std::string> imeis; // the module's own label IMEI(s): one per SIM slot
    std::string firmware;           // current firmware revision
    // Per-subsystem state, one key per owner ("diag", "at", "firehose", "ublox", ...).
    nlohmann::json extra = nlohmann::json::object();
};

nlohmann::json to_json(const ModuleState& state);
ModuleState module_state_from_json(const nlohmann::json& json);  // throws DecodeError

}  // namespace cr::sim
