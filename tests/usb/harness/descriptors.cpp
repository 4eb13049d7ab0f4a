#include "tests/usb/harness/descriptors.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "src/util/hex.hpp"

namespace cr::usbtest {
namespace {

void le16(Bytes& b, unsigned v) {
    b.push_back(static_cast<std::uint8_t>(v & 0xff));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
}

std::string upper_hex(const Bytes& b) {
    std::string s = to_hex(b);
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

int bus_of(const std::string& usb_path) {
    auto dash = usb_path.find('-');
    if (dash == std::string::npos) throw std::invalid_argument("usb path needs bus-port");
    return std::stoi(usb_path.substr(0, dash));
}

std::string syspath_for(const std::string& usb_path) {
    std::string path = fmt::format("/sys/devices/pci0000:00/0000:00:14.0/usb{}", bus_of(usb_path));
    // every ancestor of "1-4.2.1": "1-4", "1-4.2", "1-4.2.1"
    for (std::size_t i = usb_path.find('-') + 1; i <= usb_path.size(); ++i)
        if (i == usb_path.size() || usb_path[i] == '.') path += "/" + usb_path.substr(0, i);
    return path;
}

Bytes descriptor_bytes(const UsbDeviceSpec& spec) {
    Bytes d{18, 1};
    le16(d, spec.speed_mbps >= 5000 ? 0x0300 : 0x0200);
    d.insert(d.end(), {0, 0, 0, static_cast<std::uint8_t>(spec.speed_mbps >= 5000 ? 9 : 64)});
    le16(d, spec.vid);
    le16(d, spec.pid);
    le16(d, 0x0000);  // bcdDevice
    d.insert(d.end(), {1, 2, static_cast<std::uint8_t>(spec.serial.empty() ? 0 : 3), 1});
    Bytes body;
    for (const InterfaceSpec& itf : spec.interfaces) {
        std::uint8_t eps = itf.bulk ? 2 : 0;
        body.insert(body.end(), {9, 4, itf.number, 0, eps, itf.cls, itf.subclass, itf.protocol, 0});
        if (!itf.bulk) continue;
        for (std::uint8_t ep : {static_cast<std::uint8_t>(0x81 + itf.number),
                                static_cast<std::uint8_t>(0x01 + itf.number)}) {
            body.insert(body.end(), {7, 5, ep, 2});
            le16(body, spec.max_packet);
            body.push_back(0);
        }
    }
    Bytes c{9, 2};
    le16(c, static_cast<unsigned>(9 + body.size()));
    c.insert(c.end(), {static_cast<std::uint8_t>(spec.interfaces.size()), 1, 0, 0x80, 0x32});
    d.insert(d.end(), c.begin(), c.end());
    d.insert(d.end(), body.begin(), body.end());
    return d;
}

Bytes string_descriptor(const UsbDeviceSpec& spec, int index) {
    if (index == 0) return {4, 3, 0x09, 0x04};  // LANGID en-US
    const std::string* s = index == 1   ? &spec.manufacturer
                           : index == 2 ? &spec.product
                           : index == 3 ? &spec.serial
                                        : nullptr;
    if (!s || s->empty()) return {};
    Bytes d{0, 3};
    for (char ch : s->substr(0, 126)) {
        d.push_back(static_cast<std::uint8_t>(ch));
        d.push_back(0);
    }
    d[0] = static_cast<std::uint8_t>(d.size());
    return d;
}

std::string hub_record(const std::string& name, const Placement& place) {
    UsbDeviceSpec hub;
    hub.vid = 0x1d6b;
    hub.pid = 0x0002;
    hub.manufacturer = "Linux Foundation";
    hub.product = "hub";
    hub.interfaces = {InterfaceSpec{0, 9, 0, 0, "", false, ""}};
    std::string descr = upper_hex(descriptor_bytes(hub));
    return fmt::format(
        "P: {sys}\nN: bus/usb/{bus:03}/{dev:03}={d}\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\n"
        "E: DEVNAME=/dev/bus/usb/{bus:03}/{dev:03}\nE: BUSNUM={bus:03}\nE: DEVNUM={dev:03}\n"
        "A: busnum={bus}\\n\nA: devnum={dev}\\n\nA: speed=480\\n\nA: idVendor=1d6b\n"
        "A: idProduct=0002\nA: bDeviceClass=09\nA: bConfigurationValue=1\n"
        "A: bNumConfigurations=1\nA: bNumInterfaces= 1\nA: dev=189:{minor}\nA: product=hub\n"
        "H: descriptors={d}\n\n",
        fmt::arg("sys", place.syspath.substr(4)), fmt::arg("bus", place.busnum),
        fmt::arg("dev", place.devnum), fmt::arg("d", descr),
        fmt::arg("minor", (place.busnum - 1) * 128 + place.devnum - 1));
    (void)name;
}

std::string sysfs_records(const UsbDeviceSpec& spec, const Placement& place, NodeMode node) {
    std::string descr = upper_hex(descriptor_bytes(spec));
    std::string sys = place.syspath.substr(4);  // umockdev wants /devices/...
    std::string out = fmt::format(
        "P: {sys}\nN: bus/usb/{bus:03}/{dev:03}{node}\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\n"
        "E: DEVNAME=/dev/bus/usb/{bus:03}/{dev:03}\nE: PRODUCT={vid:x}/{pid:x}/0\nE: TYPE=0/0/0\n"
        "E: BUSNUM={bus:03}\nE: DEVNUM={dev:03}\nE: MAJOR=189\nE: MINOR={minor}\n"
        "E: ID_VENDOR_ID={vid:04x}\nE: ID_MODEL_ID={pid:04x}\n"
        "A: busnum={bus}\\n\nA: devnum={dev}\\n\nA: speed={speed}\\n\nA: idVendor={vid:04x}\n"
        "A: idProduct={pid:04x}\nA: bcdDevice=0000\nA: bConfigurationValue=1\n"
        "A: bNumConfigurations=1\nA: bNumInterfaces={nif:2}\nA: dev=189:{minor}\n"
        "A: manufacturer={man}\nA: product={prod}\n{serial}H: descriptors={d}\n\n",
        fmt::arg("sys", sys), fmt::arg("bus", place.busnum), fmt::arg("dev", place.devnum),
        fmt::arg("node", node == NodeMode::regular ? "=" + descr : ""), fmt::arg("vid", spec.vid),
        fmt::arg("pid", spec.pid), fmt::arg("minor", (place.busnum - 1) * 128 + place.devnum - 1),
        fmt::arg("speed", spec.speed_mbps), fmt::arg("nif", spec.interfaces.size()),
        fmt::arg("man", spec.manufacturer), fmt::arg("prod", spec.product),
        fmt::arg("serial", spec.serial.empty() ? "" : "A: serial=" + spec.serial + "\n"),
        fmt::arg("d", descr));
    std::string name = place.syspath.substr(place.syspath.rfind('/') + 1);
    for (const InterfaceSpec& itf : spec.interfaces) {
        std::string ipath = fmt::format("{}/{}:1.{}", sys, name, itf.number);
        out += fmt::format(
            "P: {p}\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: INTERFACE={c}/{s}/{r}\n"
            "A: bInterfaceNumber={n:02x}\nA: bInterfaceClass={c:02x}\n"
            "A: bInterfaceSubClass={s:02x}\nA: bInterfaceProtocol={r:02x}\n"
            "A: bAlternateSetting= 0\nA: bNumEndpoints={e:02x}\n\n",
            fmt::arg("p", ipath), fmt::arg("n", itf.number), fmt::arg("c", itf.cls),
            fmt::arg("s", itf.subclass), fmt::arg("r", itf.protocol),
            fmt::arg("e", itf.bulk ? 2 : 0));
        if (itf.tty.empty()) continue;
        bool acm = itf.tty.starts_with("ttyACM");
        int index = std::stoi(itf.tty.substr(acm ? 6 : 6));
        std::string tpath = acm ? fmt::format("{}/tty/{}", ipath, itf.tty)
                                : fmt::format("{}/{}/tty/{}", ipath, itf.tty, itf.tty);
        out += fmt::format(
            "P: {p}\nN: {t}\nE: SUBSYSTEM=tty\nE: DEVNAME=/dev/{t}\nE: ID_VENDOR_ID={vid:04x}\n"
            "E: ID_MODEL_ID={pid:04x}\nE: ID_USB_INTERFACE_NUM={n:02x}\n{ser}A: dev={maj}:{i}\n\n",
            fmt::arg("p", tpath), fmt::arg("t", itf.tty), fmt::arg("vid", spec.vid),
            fmt::arg("pid", spec.pid), fmt::arg("n", itf.number),
            fmt::arg("ser", spec.serial.empty() ? "" : "E: ID_SERIAL_SHORT=" + spec.serial + "\n"),
            fmt::arg("maj", acm ? 166 : 188), fmt::arg("i", index));
    }
    return out;
}

}  // namespace cr::usbtest
