// `cellrescue info`: what a device is. For a device in EDL, the chip identity read over Sahara
// command mode (MSM HW ID, serial, OEM PK hash, SBL version, protocol version); for one in
// normal mode what the device layer knows (DIAG/AT details come from `cellrescue diagnose`);
// for a crashed one, that it is in memory-debug mode. Other workflows (diagnose, rescue) may
// call read_device_info and add their own fields to the JSON.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocols/sahara/sahara_client.hpp"
#include "src/device/device.hpp"

namespace cr::workflows {

struct DeviceInfo {
    std::string device;  // how to name it again with -d
    bool is_virtual = false;
    DeviceMode mode = DeviceMode::absent;
    bool firehose_running = false;             // EDL, but a programmer already runs
    std::optional<sahara::ChipIdentity> chip;  // EDL with a Sahara target in command mode
    std::optional<sahara::HelloInfo> hello;    // EDL / crash dump: the HELLO we saw
    std::vector<std::string> notes;            // what the user should know next
};

struct InfoOptions {
    Millis hello_timeout{3000};  // per attempt (one RESET_STATE_MACHINE retry follows)
};

// Reads the identity; leaves an EDL device in Sahara image-transfer mode (SWITCH_MODE 0), ready
// for a programmer. Throws the Sahara client's typed errors.
DeviceInfo read_device_info(Device& device, const InfoOptions& options = {});

nlohmann::json info_to_json(const DeviceInfo& info);
std::string info_to_text(const DeviceInfo& info);
// "0x001990e1"
std::string hex32(std::uint32_t value);

}  // namespace cr::workflows
