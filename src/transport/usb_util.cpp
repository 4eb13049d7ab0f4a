#include "src/transport/usb_util.hpp"

#include <fmt/format.h>
#include <libusb-1.0/libusb.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "src/util/error.hpp"

namespace cr::usb {
namespace {

struct Match {
    libusb_device* device = nullptr;
    std::string usb_path;
    std::uint16_t vid = 0, pid = 0;
    int interface = -1;
    std::uint8_t ep_in = 0, ep_out = 0;
    std::uint16_t max_packet = 512;
};

std::string normalize_serial(std::string_view s) {
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
    std::string out;
    for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Picks the interface (by number, or the EDL one by descriptor) and its bulk endpoints.
bool pick_interface(const libusb_config_descriptor& config, const UsbSelector& selector, Match& m) {
    for (int i = 0; i < config.bNumInterfaces; ++i) {
        const libusb_interface& itf = config.interface[i];
        if (itf.num_altsetting < 1) continue;
        const libusb_interface_descriptor& alt = itf.altsetting[0];
        if (selector.interface_number) {
            if (alt.bInterfaceNumber != *selector.interface_number) continue;
        } else if (!is_edl_interface(alt.bInterfaceClass, alt.bInterfaceSubClass,
                                     alt.bInterfaceProtocol)) {
            continue;
        }
        m.ep_in = m.ep_out = 0;
        for (int e = 0; e < alt.bNumEndpoints; ++e) {
            const libusb_endpoint_descriptor& ep = alt.endpoint[e];
            if ((ep.bmAttributes & 0x3) != LIBUSB_TRANSFER_TYPE_BULK) continue;
            if (ep.bEndpointAddress & 0x80) {
                if (!m.ep_in) m.ep_in = ep.bEndpointAddress;
            } else if (!m.ep_out) {
                m.ep_out = ep.bEndpointAddress;
                m.max_packet = ep.wMaxPacketSize & 0x7ff;
            }
        }
        if (m.ep_in && m.ep_out) {
            m.interface = alt.bInterfaceNumber;
            return true;
        }
    }
    return false;
}

std::vector<Match> matching_devices(libusb_context* ctx, const UsbSelector& selector) {
    std::vector<Match> out;
    libusb_device** list = nullptr;
    ssize_t n = libusb_get_device_list(ctx, &list);
    for (ssize_t i = 0; i < n; ++i) {
        libusb_device* dev = list[i];
        libusb_device_descriptor dd{};
        if (libusb_get_device_descriptor(dev, &dd) != 0) continue;
        if (selector.vid && dd.idVendor != *selector.vid) continue;
        if (selector.pid && dd.idProduct != *selector.pid) continue;
        Match m;
        m.usb_path = usb_path_of(dev);
        if (!selector.usb_path.empty() && m.usb_path != selector.usb_path) continue;
        libusb_config_descriptor* config = nullptr;
        if (libusb_get_active_config_descriptor(dev, &config) != 0 &&
            libusb_get_config_descriptor(dev, 0, &config) != 0)
            continue;
        bool ok = pick_interface(*config, selector, m);
        libusb_free_config_descriptor(config);
        if (!ok) continue;
        m.device = libusb_ref_device(dev);
        m.vid = dd.idVendor;
        m.pid = dd.idProduct;
        out.push_back(m);
    }
    if (n >= 0) libusb_free_device_list(list, 1);
    return out;
}

std::string read_string(libusb_device_handle* h, std::uint8_t index) {
    if (index == 0) return {};
    unsigned char buf[256] = {};
    int r = libusb_get_string_descriptor_ascii(h, index, buf, sizeof buf - 1);
    return r > 0 ? std::string(reinterpret_cast<char*>(buf), static_cast<std::size_t>(r)) : "";
}

[[noreturn]] void throw_open_error(int r, const std::string& path) {
    if (r == LIBUSB_ERROR_ACCESS)
        throw IoError(fmt::format("no permission to open USB device {}", path),
                      "the device is attached but this user may not use it",
                      "install the udev rules (docs/udev.md: sudo cp udev/*.rules "
                      "/etc/udev/rules.d/ && sudo udevadm control --reload && re-plug), or run "
                      "as root");
    if (r == LIBUSB_ERROR_NO_DEVICE)
        throw DeviceGoneError(fmt::format("USB device {} vanished while opening", path),
                              "disconnected or re-enumerating",
                              "wait a few seconds and run `cellrescue devices`");
    throw IoError(fmt::format("cannot open USB device {}: {}", path, libusb_error_text(r)));
}

// Keeps matches whose EDL `_SN:` (iProduct) or iSerial equals the wanted serial; opens them.
void filter_by_serial(std::vector<Match>& matches, std::vector<libusb_device_handle*>& handles,
                      const std::string& serial) {
    std::vector<Match> kept;
    for (Match& m : matches) {
        libusb_device_handle* h = nullptr;
        int r = libusb_open(m.device, &h);
        if (r != 0) {
            spdlog::debug("usb {}: cannot open to read its serial: {}", m.usb_path,
                          libusb_error_text(r));
            libusb_unref_device(m.device);
            continue;
        }
        libusb_device_descriptor dd{};
        libusb_get_device_descriptor(m.device, &dd);
        std::string product = read_string(h, dd.iProduct);
        std::string iserial = read_string(h, dd.iSerialNumber);
        auto sn = serial_from_iproduct(product);
        if ((sn && same_serial(*sn, serial)) ||
            (!iserial.empty() && same_serial(iserial, serial))) {
            kept.push_back(m);
            handles.push_back(h);
        } else {
            libusb_close(h);
            libusb_unref_device(m.device);
        }
    }
    matches = std::move(kept);
}

std::string describe(const UsbSelector& s) {
    std::vector<std::string> parts;
    if (!s.usb_path.empty()) parts.push_back("usb path " + s.usb_path);
    if (!s.serial.empty()) parts.push_back("serial " + s.serial);
    if (s.vid) parts.push_back(fmt::format("vid {:04x}", *s.vid));
    if (s.pid) parts.push_back(fmt::format("pid {:04x}", *s.pid));
    parts.push_back(s.interface_number ? fmt::format("interface {}", *s.interface_number)
                                       : std::string("an EDL interface (ff/ff/ff|10|11)"));
    std::string out;
    for (auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

}  // namespace

Candidate::Candidate(Candidate&& o) noexcept
    : ctx(o.ctx),
      handle(o.handle),
      usb_path(std::move(o.usb_path)),
      vid(o.vid),
      pid(o.pid),
      interface(o.interface),
      ep_in(o.ep_in),
      ep_out(o.ep_out),
      max_packet(o.max_packet) {
    o.ctx = nullptr;
    o.handle = nullptr;
}

Candidate::~Candidate() {
    if (handle) libusb_close(handle);
    if (ctx) libusb_exit(ctx);
}

bool same_serial(std::string_view a, std::string_view b) {
    return !a.empty() && normalize_serial(a) == normalize_serial(b);
}

Candidate find_candidate(const UsbSelector& selector) {
    Candidate c;
    int r = libusb_init(&c.ctx);
    if (r != 0) {
        c.ctx = nullptr;
        throw IoError(fmt::format("libusb could not start: {}", libusb_error_text(r)), {},
                      "check that /dev/bus/usb exists (containers need it mapped in)");
    }
    std::vector<Match> matches = matching_devices(c.ctx, selector);
    std::vector<libusb_device_handle*> handles;
    if (!selector.serial.empty()) filter_by_serial(matches, handles, selector.serial);
    auto release = [&](std::size_t keep) {
        for (std::size_t i = 0; i < matches.size(); ++i) {
            if (i != keep) {
                if (i < handles.size()) libusb_close(handles[i]);
                libusb_unref_device(matches[i].device);
            }
        }
    };
    if (matches.empty())
        throw NotFoundError(
            fmt::format("no USB device with {} found", describe(selector)),
            "no matching device is attached (or it is in another mode)",
            "run `cellrescue devices`; check the cable and that the module really entered EDL "
            "(it shows as 05c6:9008 in lsusb)");
    if (matches.size() > 1) {
        std::string paths;
        for (auto& m : matches) paths += " " + m.usb_path;
        release(matches.size());
        throw UsageError(fmt::format("several USB devices match {}:{}", describe(selector), paths),
                         "all of them are untouched", "name one with -d usb:<path>");
    }
    Match& m = matches[0];
    if (!handles.empty()) {
        c.handle = handles[0];
    } else {
        r = libusb_open(m.device, &c.handle);
        if (r != 0) {
            c.handle = nullptr;
            release(matches.size());
            throw_open_error(r, m.usb_path);
        }
    }
    libusb_unref_device(m.device);
    c.usb_path = m.usb_path;
    c.vid = m.vid;
    c.pid = m.pid;
    c.interface = m.interface;
    c.ep_in = m.ep_in;
    c.ep_out = m.ep_out;
    c.max_packet = m.max_packet;
    return c;
}

void claim(libusb_device_handle& handle, int interface, bool detach, const std::string& what) {
    if (detach && libusb_kernel_driver_active(&handle, interface) == 1) {
        int r = libusb_detach_kernel_driver(&handle, interface);
        if (r != 0 && r != LIBUSB_ERROR_NOT_FOUND)
            spdlog::debug("{}: detaching kernel driver failed: {}", what, libusb_error_text(r));
    }
    int r = libusb_claim_interface(&handle, interface);
    if (r == 0) return;
    if (r == LIBUSB_ERROR_BUSY)
        throw IoError(
            fmt::format("{}: interface {} is in use by another program", what, interface),
            "the device is attached and untouched",
            "stop whatever holds it: ModemManager (`sudo systemctl stop ModemManager`, or "
            "install udev/ rules that set ID_MM_DEVICE_IGNORE), qdl, QFirehose; check "
            "with `sudo lsof /dev/bus/usb/*/*`");
    if (r == LIBUSB_ERROR_NO_DEVICE)
        throw DeviceGoneError(fmt::format("{} vanished while claiming", what),
                              "disconnected or re-enumerating",
                              "wait a few seconds and run `cellrescue devices`");
    if (r == LIBUSB_ERROR_ACCESS)
        throw IoError(fmt::format("{}: no permission to claim interface {}", what, interface),
                      "the device is attached but this user may not use it",
                      "install the udev rules (docs/udev.md) or run as root");
    throw IoError(
        fmt::format("{}: claiming interface {} failed: {}", what, interface, libusb_error_text(r)));
}

}  // namespace cr::usb
