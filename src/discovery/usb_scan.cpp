// USB part of discovery: libusb for descriptors and the port chain, libudev for sysfs strings
// (iProduct, iSerial, speed) and for the tty each interface became.
#include <fmt/format.h>
#include <libudev.h>
#include <libusb-1.0/libusb.h>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>

#include "src/discovery/scan.hpp"
#include "src/transport/usb_transport.hpp"

namespace cr::discovery {
namespace {

struct UdevInfo {
    std::string syspath, sysname, product, serial, speed;
};

struct TtyInfo {
    std::string devnode;
    int interface_number = -1;
    std::uint8_t cls = 0, subclass = 0, protocol = 0;
};

using UdevPtr = std::unique_ptr<udev, decltype(&udev_unref)>;

std::string attr(udev_device* d, const char* name) {
    const char* v = udev_device_get_sysattr_value(d, name);
    std::string s = v ? v : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    return s;
}

int attr_int(udev_device* d, const char* name, int base) {
    std::string s = attr(d, name);
    try {
        return s.empty() ? -1 : std::stoi(s, nullptr, base);
    } catch (...) {
        return -1;
    }
}

// (bus, devnum) -> sysfs facts of every USB device.
std::map<std::pair<int, int>, UdevInfo> usb_devices_by_address(udev* u) {
    std::map<std::pair<int, int>, UdevInfo> out;
    udev_enumerate* en = udev_enumerate_new(u);
    udev_enumerate_add_match_subsystem(en, "usb");
    udev_enumerate_add_match_property(en, "DEVTYPE", "usb_device");
    udev_enumerate_scan_devices(en);
    udev_list_entry* e;
    udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
        udev_device* d = udev_device_new_from_syspath(u, udev_list_entry_get_name(e));
        if (!d) continue;
        UdevInfo info{udev_device_get_syspath(d), udev_device_get_sysname(d), attr(d, "product"),
                      attr(d, "serial"), attr(d, "speed")};
        out[{attr_int(d, "busnum", 10), attr_int(d, "devnum", 10)}] = info;
        udev_device_unref(d);
    }
    udev_enumerate_unref(en);
    return out;
}

// USB device syspath -> its ttys with the interface each came from.
std::map<std::string, std::vector<TtyInfo>> ttys_by_usb_device(udev* u) {
    std::map<std::string, std::vector<TtyInfo>> out;
    udev_enumerate* en = udev_enumerate_new(u);
    udev_enumerate_add_match_subsystem(en, "tty");
    udev_enumerate_scan_devices(en);
    udev_list_entry* e;
    udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
        udev_device* d = udev_device_new_from_syspath(u, udev_list_entry_get_name(e));
        if (!d) continue;
        udev_device* itf = udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_interface");
        udev_device* dev =
            itf ? udev_device_get_parent_with_subsystem_devtype(itf, "usb", "usb_device") : nullptr;
        const char* node = udev_device_get_devnode(d);
        if (itf && dev && node) {
            TtyInfo t;
            t.devnode = node;
            t.interface_number = attr_int(itf, "bInterfaceNumber", 16);
            t.cls = static_cast<std::uint8_t>(attr_int(itf, "bInterfaceClass", 16));
            t.subclass = static_cast<std::uint8_t>(attr_int(itf, "bInterfaceSubClass", 16));
            t.protocol = static_cast<std::uint8_t>(attr_int(itf, "bInterfaceProtocol", 16));
            out[udev_device_get_syspath(dev)].push_back(t);
        }
        udev_device_unref(d);
    }
    udev_enumerate_unref(en);
    return out;
}

// The EDL signature on a device with a single interface (a normal-mode Quectel has ff/ff/ff
// DIAG and QMI interfaces too, so the interface count matters).
bool looks_like_edl(const libusb_config_descriptor& c, std::uint16_t vid, std::uint16_t pid) {
    if (vid == 0x05c6 && (pid == 0x9008 || pid == 0x900e)) return true;
    if (c.bNumInterfaces != 1 || c.interface[0].num_altsetting < 1) return false;
    const auto& alt = c.interface[0].altsetting[0];
    return is_edl_interface(alt.bInterfaceClass, alt.bInterfaceSubClass, alt.bInterfaceProtocol);
}

std::string iproduct_via_libusb(libusb_device* dev, std::uint8_t index, Result& result,
                                const std::string& path) {
    libusb_device_handle* h = nullptr;
    int r = libusb_open(dev, &h);
    if (r != 0) {
        result.notes.push_back(
            fmt::format("usb {}: cannot open to read its serial ({}){}", path, libusb_error_text(r),
                        r == LIBUSB_ERROR_ACCESS ? ": install the udev rules (docs/udev.md)" : ""));
        return {};
    }
    unsigned char buf[256] = {};
    r = libusb_get_string_descriptor_ascii(h, index, buf, sizeof buf - 1);
    libusb_close(h);
    return r > 0 ? std::string(reinterpret_cast<char*>(buf), static_cast<std::size_t>(r)) : "";
}

std::string libusb_speed_text(int speed) {
    switch (speed) {
        case LIBUSB_SPEED_LOW:
            return speed_text("1.5");
        case LIBUSB_SPEED_FULL:
            return speed_text("12");
        case LIBUSB_SPEED_HIGH:
            return speed_text("480");
        case LIBUSB_SPEED_SUPER:
            return speed_text("5000");
        case LIBUSB_SPEED_SUPER_PLUS:
            return speed_text("10000");
        default:
            return "";
    }
}

}  // namespace

void scan_usb(Result& result) {
    libusb_context* ctx = nullptr;
    if (int r = libusb_init(&ctx); r != 0) {
        result.notes.push_back("libusb could not start (" + libusb_error_text(r) +
                               "): is /dev/bus/usb available?");
        return;
    }
    UdevPtr u(udev_new(), &udev_unref);
    std::map<std::pair<int, int>, UdevInfo> sys;
    std::map<std::string, std::vector<TtyInfo>> ttys;
    if (u) {
        sys = usb_devices_by_address(u.get());
        ttys = ttys_by_usb_device(u.get());
    }
    libusb_device** list = nullptr;
    ssize_t n = libusb_get_device_list(ctx, &list);
    for (ssize_t i = 0; i < n; ++i) {
        libusb_device* dev = list[i];
        libusb_device_descriptor dd{};
        if (libusb_get_device_descriptor(dev, &dd) != 0) continue;
        libusb_config_descriptor* config = nullptr;
        if (libusb_get_active_config_descriptor(dev, &config) != 0 &&
            libusb_get_config_descriptor(dev, 0, &config) != 0)
            continue;
        bool edl = looks_like_edl(*config, dd.idVendor, dd.idProduct);
        std::uint8_t edl_itf = edl && config->bNumInterfaces >= 1
                                   ? config->interface[0].altsetting[0].bInterfaceNumber
                                   : 0;
        libusb_free_config_descriptor(config);
        if (!edl && !is_known_module(dd.idVendor, dd.idProduct)) continue;

        UdevInfo info;
        if (auto it = sys.find({libusb_get_bus_number(dev), libusb_get_device_address(dev)});
            it != sys.end())
            info = it->second;
        FoundDevice f;
        f.usb_path = usb_path_of(dev);
        if (f.usb_path.empty()) f.usb_path = info.sysname;
        f.name = "usb:" + f.usb_path;
        f.vid = dd.idVendor;
        f.pid = dd.idProduct;
        f.syspath = info.syspath;
        f.vendor = vendor_name(f.vid, f.pid);
        f.speed = !info.speed.empty() ? speed_text(info.speed)
                                      : libusb_speed_text(libusb_get_device_speed(dev));
        f.product = info.product;
        if (edl) {
            f.kind = Kind::usb_edl;
            f.mode = edl_mode_of(f.vid, f.pid);
            if (f.product.empty() && dd.iProduct)
                f.product = iproduct_via_libusb(dev, dd.iProduct, result, f.usb_path);
            f.serial = serial_from_iproduct(f.product).value_or(info.serial);
            f.ports.push_back(Port{"edl", "", edl_itf});
        } else {
            f.kind = Kind::usb_module;
            f.mode = DeviceMode::normal;
            f.serial = info.serial;
            auto& mine = ttys[info.syspath];
            std::sort(mine.begin(), mine.end(), [](const TtyInfo& a, const TtyInfo& b) {
                return a.interface_number < b.interface_number;
            });
            for (const TtyInfo& t : mine) {
                std::string role =
                    interface_role(f.vid, f.pid, t.interface_number, t.cls, t.subclass, t.protocol);
                f.ports.push_back(
                    Port{role.empty() ? "unknown" : role, t.devnode, t.interface_number});
            }
            if (mine.empty())
                result.notes.push_back(fmt::format(
                    "usb {} ({:04x}:{:04x}) has no tty ports: is the `option`/`qcserial` "
                    "driver loaded (`lsmod | grep option`)?",
                    f.usb_path, f.vid, f.pid));
        }
        result.devices.push_back(std::move(f));
    }
    if (n >= 0) libusb_free_device_list(list, 1);
    libusb_exit(ctx);
}

}  // namespace cr::discovery
