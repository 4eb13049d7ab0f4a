// Pure discovery rules: which interface is which port, which VID/PID is ours, display text.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "src/discovery/discovery.hpp"
#include "src/transport/usb_transport.hpp"
#include "src/transport/usb_util.hpp"
#include "src/util/error.hpp"

namespace cr::discovery {

std::string_view to_string(Kind kind) {
    switch (kind) {
        case Kind::usb_edl:
            return "usb-edl";
        case Kind::usb_module:
            return "usb-module";
        case Kind::pcie:
            return "pcie";
        case Kind::virtual_module:
            return "virtual";
    }
    return "unknown";
}

const Port* FoundDevice::port(std::string_view role) const {
    for (const Port& p : ports)
        if (p.role == role) return &p;
    return nullptr;
}

bool is_known_module(std::uint16_t vid, std::uint16_t pid) {
    // Qualcomm-VID module personalities (SARA-R4 90b2, LARA-R6 908b, generic 9025/90db/9091).
    static constexpr std::array<std::uint16_t, 6> qualcomm_modules{0x90b2, 0x908b, 0x9025,
                                                                   0x90db, 0x9091, 0x90e5};
    if (vid == 0x2c7c || vid == 0x1546) return true;
    return vid == 0x05c6 && std::find(qualcomm_modules.begin(), qualcomm_modules.end(), pid) !=
                                qualcomm_modules.end();
}

DeviceMode edl_mode_of(std::uint16_t vid, std::uint16_t pid) {
    if (vid == 0x05c6 && pid == 0x900e) return DeviceMode::crashdump;
    // A Quectel module that keeps its normal PID with a single ff/ff/10 interface is in dump
    // mode (RM500Q); 2c7c:0122 (RM551E) is its EDL personality.
    if (vid == 0x2c7c && pid != 0x0122) return DeviceMode::crashdump;
    return DeviceMode::edl;
}

std::string vendor_name(std::uint16_t vid, std::uint16_t pid) {
    if (vid == 0x2c7c) return "Quectel";
    if (vid == 0x1546) return "u-blox";
    if (vid == 0x05c6 && is_known_module(vid, pid)) return "u-blox/Qualcomm";
    if (vid == 0x05c6) return "Qualcomm";
    return fmt::format("{:04x}", vid);
}

std::string interface_role(std::uint16_t vid, std::uint16_t pid, int n, std::uint8_t cls,
                           std::uint8_t subclass, std::uint8_t protocol) {
    if (vid == 0x2c7c) {
        if (pid == 0x0803) {  // RM520N laptop variant: DIAG moved to if3
            switch (n) {
                case 3:
                    return "diag";
                case 1:
                    return "nmea";
                case 2:
                    return "at";
                default:
                    return "";
            }
        }
        switch (n) {
            case 0:
                return "diag";
            case 1:
                return "nmea";
            case 2:
                return "at";
            case 3:
                return "modem";
            case 4:
                return (pid == 0x0800 || pid == 0x0801) ? "rmnet" : "qmi";
            default:
                return "";
        }
    }
    if (vid == 0x05c6) {  // SARA-R4 and friends: if0 DIAG, vendor ports with ff/00 are AT
        if (n == 0) return "diag";
        if (cls == 0xff && subclass == 0x00) return "at";
        if (cls == 0xff && subclass == 0xff && protocol == 0xff) return "qmi";
        return "";
    }
    if (vid == 0x1546) {  // native u-blox: CDC-ACM AT ports
        if (cls == 0x02 && subclass == 0x02) return "at";
        if (cls == 0x0a) return "";  // CDC data half of an ACM pair
        return "";
    }
    return "";
}

std::string speed_text(std::string_view s) {
    if (s == "1.5") return "low (1.5 Mbit/s)";
    if (s == "12") return "full (12 Mbit/s)";
    if (s == "480") return "high (480 Mbit/s)";
    if (s == "5000") return "super (5 Gbit/s)";
    if (s == "10000") return "super+ (10 Gbit/s)";
    if (s == "20000") return "super+ (20 Gbit/s)";
    if (s.empty()) return "";
    return fmt::format("{} Mbit/s", s);
}

std::string char_device_role(std::string_view name) {
    if (name == "mhi_DIAG") return "diag";
    if (name == "mhi_EDL") return "edl";
    if (name == "mhi_BHI") return "bhi";
    if (name == "mhi_DUN" || name == "mhi_AT") return "at";
    if (name.starts_with("wwan")) {
        if (name.find("qcdm") != std::string_view::npos) return "diag";
        if (name.find("firehose") != std::string_view::npos) return "edl";
        if (name.find("at") != std::string_view::npos) return "at";
    }
    return "";
}

std::vector<std::string> nothing_found_hints() {
    return {
        "Cable: use a data cable straight to the host (no unpowered hub); `lsusb` must list "
        "the module (Quectel 2c7c:..., Qualcomm 05c6:9008 in EDL, u-blox 1546:...).",
        "EDL entry: a module only shows as 05c6:9008 after a real EDL switch (`cellrescue edl "
        "enter`, AT+QDOWNLOAD=1, or the USB_BOOT/EDL test point held at power-on); "
        "`dmesg -w` shows it enumerate.",
        "ModemManager may hold the ports: `mmcli -L` lists what it grabbed; `sudo systemctl "
        "stop ModemManager` or install the udev rules (ID_MM_DEVICE_IGNORE, see docs/udev.md).",
        "Permissions: `ls -l /dev/bus/usb/*/* /dev/ttyUSB*` should show your group or an ACL; "
        "install the udev rules (docs/udev.md) and re-plug, or try with sudo.",
        "No hardware? Try a virtual module: `cellrescue info -d sim:rm520n`.",
    };
}

nlohmann::json to_json(const FoundDevice& d) {
    nlohmann::json ports = nlohmann::json::array();
    for (const Port& p : d.ports) {
        nlohmann::json j{{"role", p.role}};
        if (!p.path.empty()) j["path"] = p.path;
        if (p.interface_number >= 0) j["interface"] = p.interface_number;
        ports.push_back(j);
    }
    nlohmann::json j{
        {"name", d.name},       {"kind", to_string(d.kind)}, {"mode", cr::to_string(d.mode)},
        {"product", d.product}, {"vendor", d.vendor},        {"serial", d.serial},
        {"ports", ports}};
    if (!d.usb_path.empty()) {
        j["usb_path"] = d.usb_path;
        j["vid"] = fmt::format("{:04x}", d.vid);
        j["pid"] = fmt::format("{:04x}", d.pid);
        j["speed"] = d.speed;
    }
    return j;
}

FoundDevice find_one(const Result& result, const DeviceSpec& spec) {
    std::vector<const FoundDevice*> hits;
    for (const FoundDevice& d : result.devices) {
        bool hit = false;
        switch (spec.kind) {
            case DeviceSpec::Kind::any:
                hit = d.kind != Kind::virtual_module;
                break;
            case DeviceSpec::Kind::usb_path:
                hit = d.usb_path == spec.value;
                break;
            case DeviceSpec::Kind::serial:
                hit = d.kind != Kind::virtual_module && usb::same_serial(d.serial, spec.value);
                break;
            case DeviceSpec::Kind::path:
                hit = std::any_of(d.ports.begin(), d.ports.end(),
                                  [&](const Port& p) { return p.path == spec.value; });
                break;
            case DeviceSpec::Kind::sim:
                hit = d.name == "sim:" + spec.value;
                break;
        }
        if (hit) hits.push_back(&d);
    }
    if (hits.size() == 1) return *hits[0];
    if (hits.empty()) {
        std::string hints;
        for (const auto& h : nothing_found_hints()) hints += "\n  - " + h;
        throw NotFoundError(spec.kind == DeviceSpec::Kind::any
                                ? std::string("no module or EDL device found")
                                : fmt::format("no device {} found", cr::to_string(spec)),
                            "nothing matching is attached (or this user cannot see it)",
                            "run `cellrescue devices`; things to check:" + hints);
    }
    std::string names;
    for (auto* d : hits) names += " " + d->name;
    throw UsageError(fmt::format("several devices found:{}", names), "all of them are untouched",
                     "name one with -d (e.g. -d " + hits[0]->name + ")");
}

}  // namespace cr::discovery
