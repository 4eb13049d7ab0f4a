// What `-d` names: a USB path, a serial number, a tty or char device path, or a virtual module.
#pragma once
#include <string>
#include <string_view>

namespace cr {

struct DeviceSpec {
    enum class Kind {
        any,      // no -d: the only device found
        usb_path, // "usb:1-1.2" or a bare "1-1.2"
        serial,   // "sn:0a1b2c3d" (EDL chip serial or USB serial number)
        path,     // "/dev/ttyUSB0", "/dev/mhi_DIAG", "/dev/wwan0qcdm0"
        sim,      // "sim:rm520n", "sim:rm520n#2"
    };
    Kind kind = Kind::any;
    std::string value;  // path / serial / usb path / sim module id ("rm520n#2")
};

// Throws UsageError with the accepted forms.
DeviceSpec parse_device_spec(std::string_view text);
std::string to_string(const DeviceSpec& spec);

}  // namespace cr
