// Finding what is attached: EDL devices (by interface descriptor, whatever their VID/PID),
// modules in normal mode with their DIAG/AT ttys (interface number -> tty through udev), PCIe
// char devices (/dev/mhi_*, /dev/wwan*), and virtual modules under the sim dir.
//
// Contract:
// - discover() never opens a tty and never claims an interface. It reads sysfs/udev and the
//   libusb descriptor cache; only an EDL device whose iProduct is not in sysfs is opened briefly
//   (control transfer) to read it. It does not throw for a single unreadable device: it records
//   a note instead (permissions, busy) so `cellrescue devices` can say why.
// - Results are sorted: real USB by path, then PCIe, then virtual.
// - The same physical device keeps the same usb_path across re-enumeration (EDL switch/reset);
//   wait_for_mode in the Device layer matches on it (or on the serial).
#pragma once
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/device/device.hpp"

namespace cr::discovery {

enum class Kind {
    usb_edl,         // EDL (Sahara/Firehose) or crash-dump USB device
    usb_module,      // a module in normal mode (ttys)
    pcie,            // MHI/wwan char devices
    virtual_module,  // sim:<id>
};
std::string_view to_string(Kind kind);

// One function of a device: a tty, a char device, or the EDL bulk interface.
struct Port {
    std::string role;  // "edl", "diag", "nmea", "at", "modem", "qmi", "rmnet", "bhi", "unknown"
    std::string path;  // "/dev/ttyUSB2", "/dev/mhi_DIAG"; "" for the EDL bulk interface
    int interface_number = -1;  // USB bInterfaceNumber (-1: not USB)
};

struct FoundDevice {
    Kind kind = Kind::usb_edl;
    DeviceMode mode = DeviceMode::normal;
    std::string name;  // what -d takes to name it again: "usb:1-1.2", "/dev/mhi_EDL", "sim:ec25"
    std::string usb_path;  // "1-1.2" ("" for non-USB)
    std::uint16_t vid = 0;
    std::uint16_t pid = 0;
    std::string speed;    // "high (480 Mbit/s)"; "" when unknown
    std::string serial;   // EDL: `_SN:` from iProduct; module: iSerial; virtual: chip serial
    std::string product;  // iProduct or the model's product name
    std::string vendor;   // "Quectel", "u-blox", "Qualcomm"
    std::string syspath;  // udev syspath of the USB device ("" when unknown)
    std::vector<Port> ports;

    const Port* port(std::string_view role) const;  // first port with that role, or nullptr
};

struct Options {
    std::filesystem::path sim_dir;           // where virtual modules live; empty: skip them
    std::filesystem::path dev_dir = "/dev";  // where PCIe char devices are looked for
    bool usb = true;                         // scan USB (libusb + udev)
};

struct Result {
    std::vector<FoundDevice> devices;
    std::vector<std::string> notes;  // per-device problems met while scanning (permissions...)
};

Result discover(const Options& options);

// Why nothing (real) may have been found, and how to check each (cable, EDL entry,
// ModemManager holding the port, udev permissions).
std::vector<std::string> nothing_found_hints();

nlohmann::json to_json(const FoundDevice& device);

// --- pure rules (unit-tested) ---

// Role of a normal-mode module's interface from VID/PID + bInterfaceNumber (+ descriptor), per
// PROTOCOLS.md §1: Quectel if0 DIAG, if1 NMEA, if2 AT, if3 modem(AT), if4 QMI/RmNet; RM520N PID
// 0x0803 has DIAG on if3; SARA-R4 (05c6:90b2...) if0 DIAG + AT ports; u-blox 1546 CDC-ACM AT.
// "" when the interface is not one we use.
std::string interface_role(std::uint16_t vid, std::uint16_t pid, int interface_number,
                           std::uint8_t cls, std::uint8_t subclass, std::uint8_t protocol);
// True when VID/PID belong to a module family we list in normal mode.
bool is_known_module(std::uint16_t vid, std::uint16_t pid);
// Crash/RAM-dump personality (05c6:900e) vs EDL.
DeviceMode edl_mode_of(std::uint16_t vid, std::uint16_t pid);
// Vendor name for display.
std::string vendor_name(std::uint16_t vid, std::uint16_t pid);
// "high (480 Mbit/s)" from a sysfs speed value in Mbit/s ("480", "5000", "12", "1.5").
std::string speed_text(std::string_view sysfs_speed);
// Role of a PCIe char device by its name: mhi_DIAG/wwan0qcdm0 -> diag, mhi_EDL/wwan0firehose0
// -> edl, wwan0at0/mhi_DUN -> at, mhi_BHI -> bhi; "" when not ours.
std::string char_device_role(std::string_view name);

// Finds the one device a spec names (usb path, serial, path, or any = the only one).
// Throws NotFoundError (with hints) or UsageError (several match without -d).
FoundDevice find_one(const Result& result, const DeviceSpec& spec);

}  // namespace cr::discovery
