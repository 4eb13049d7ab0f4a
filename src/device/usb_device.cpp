// Real hardware as a Device: a module or EDL device found by discovery. Ports are looked up
// afresh each time (modules re-enumerate on EDL switch and reset), matched by USB path first
// (stable for one physical port) and by serial number otherwise.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <thread>

#include "src/device/device.hpp"
#include "src/discovery/discovery.hpp"
#include "src/transport/port_open.hpp"
#include "src/transport/usb_transport.hpp"
#include "src/util/error.hpp"

namespace cr {
namespace {

class RealDevice : public Device {
  public:
    explicit RealDevice(discovery::FoundDevice found) : found_(std::move(found)) {}
    std::string name() const override { return found_.name; }
    bool is_virtual() const override { return false; }

    DeviceMode mode() override {
        auto now = current();
        return now ? now->mode : DeviceMode::absent;
    }

    using Device::open_edl;
    std::unique_ptr<Transport> open_edl(const EdlPortOptions& options) override {
        auto now = require_current();
        if (now.mode != DeviceMode::edl && now.mode != DeviceMode::crashdump)
            throw NotFoundError(
                fmt::format("{} is in {} mode: it has no EDL port", name(), to_string(now.mode)),
                fmt::format("{} is running normally", name()),
                fmt::format("switch it with `cellrescue edl enter -d {}`", name()));
        if (now.kind == discovery::Kind::pcie) {
            if (const discovery::Port* edl = now.port("edl")) return open_port_path(edl->path);
            if (now.port("bhi"))
                throw NotFoundError(fmt::format("{} has no EDL node (mhi_EDL) yet", name()),
                                    "in EDL, the boot ROM waits for a programmer over BHI",
                                    "any EDL command loads it through /dev/mhi_BHI");
            throw NotFoundError(
                fmt::format("{} has no firehose port: this kernel's mhi_pci_generic driver "
                            "exposes only DIAG/AT (wwan0qcdm0, wwan0at0)",
                            name()),
                "in EDL, but the host cannot reach the programmer port",
                "use a kernel that has the WWAN firehose port (/dev/wwan0firehose0, Linux 6.x "
                "mhi_pci_generic), or load Quectel's pcie_mhi driver (gives /dev/mhi_BHI and "
                "/dev/mhi_EDL); DIAG and AT commands work as they are");
        }
        UsbSelector sel;
        sel.usb_path = now.usb_path;
        UsbOptions usb;
        usb.zlp = options.zlp;
        return UsbTransport::open(sel, usb);
    }

    // pcie_mhi: the BHI node of the same modem, if it has one.
    std::unique_ptr<BhiIo> open_bhi() override {
        auto now = current();
        if (!now || now->kind != discovery::Kind::pcie) return nullptr;
        const discovery::Port* bhi = now->port("bhi");
        return bhi ? BhiNode::open(bhi->path) : nullptr;
    }

    std::string edl_serial() override {
        auto now = current();
        if (!now || now->kind != discovery::Kind::usb_edl || now->mode != DeviceMode::edl)
            return {};
        return serial_from_iproduct(now->product).value_or("");
    }

    std::unique_ptr<Transport> open_diag() override { return open_role({"diag"}); }
    std::unique_ptr<Transport> open_at() override { return open_role({"at", "modem"}); }

    void wait_for_mode(DeviceMode wanted, Millis timeout) override {
        Deadline deadline(timeout);
        DeviceMode last = DeviceMode::absent;
        for (;;) {
            auto now = current();
            last = now ? now->mode : DeviceMode::absent;
            if (last == wanted) {
                found_ = *now;
                return;
            }
            if (deadline.expired())
                throw TimeoutError(
                    fmt::format("{} did not come back in {} mode within {} s (now: {})", name(),
                                to_string(wanted), timeout.count() / 1000, to_string(last)),
                    fmt::format("the device is {}", to_string(last)),
                    "run `cellrescue devices`; if it is absent, check `dmesg` and the cable; "
                    "power-cycle the module if it stays away");
            std::this_thread::sleep_for(std::min(Millis(250), deadline.remaining()));
        }
    }

  private:
    // The same physical device now: by USB path, else by serial, else by port path.
    std::optional<discovery::FoundDevice> current() const {
        discovery::Options opt;
        opt.dev_dir = found_.kind == discovery::Kind::pcie ? "/dev" : "";
        auto result = discovery::discover(opt);
        for (const auto& d : result.devices) {
            if (!found_.usb_path.empty() && d.usb_path == found_.usb_path) return d;
        }
        for (const auto& d : result.devices) {
            if (found_.kind == discovery::Kind::pcie && d.kind == discovery::Kind::pcie) return d;
            if (!found_.serial.empty() && d.serial == found_.serial) return d;
        }
        if (found_.kind == discovery::Kind::usb_module && found_.usb_path.empty()) return found_;
        return std::nullopt;
    }

    discovery::FoundDevice require_current() const {
        auto now = current();
        if (!now)
            throw DeviceGoneError(fmt::format("{} is no longer attached", name()),
                                  "absent (unplugged, or re-enumerating after a reset)",
                                  "wait a few seconds and run `cellrescue devices`");
        return *now;
    }

    std::unique_ptr<Transport> open_role(std::initializer_list<std::string_view> roles) {
        auto now = require_current();
        for (std::string_view role : roles)
            if (const discovery::Port* p = now.port(role); p && !p->path.empty())
                return open_port_path(p->path);
        std::string role(*roles.begin());
        if (now.mode != DeviceMode::normal)
            throw NotFoundError(
                fmt::format("{} is in {} mode: its {} port is gone", name(), to_string(now.mode),
                            role),
                fmt::format("{} is in {} mode", name(), to_string(now.mode)),
                fmt::format("reset it to normal mode with `cellrescue edl reset -d {}`", name()));
        throw NotFoundError(fmt::format("{} shows no {} port", name(), role),
                            "the module is attached in normal mode",
                            "check that the `option` driver made its ttys (`ls /dev/ttyUSB*`, "
                            "`dmesg`), and that ModemManager does not hold them");
    }

    discovery::FoundDevice found_;
};

// A tty or char device named directly with -d that discovery does not know (e.g. a UART
// adapter wired to a u-blox module): every port role opens that path.
discovery::FoundDevice device_for_path(const std::string& path) {
    // By-id links and `sim serve` links name their device node by role only through the
    // node's own name (mhi_DIAG, wwan0qcdm0); resolve_port_path says clearly when they dangle.
    std::string node = resolve_port_path(path);
    discovery::FoundDevice f;
    f.kind = discovery::Kind::usb_module;
    f.name = path;
    f.product = path;
    std::string name = node.substr(node.rfind('/') + 1);
    std::string role = discovery::char_device_role(name);
    f.mode = role == "edl" ? DeviceMode::edl : DeviceMode::normal;
    if (!role.empty()) f.ports.push_back({role, path, -1});
    for (const char* r : {"diag", "at"})
        if (role.empty()) f.ports.push_back({r, path, -1});
    if (role == "edl") f.kind = discovery::Kind::pcie;
    return f;
}

// True when two port paths name the same device node (a by-id link and its /dev/ttyUSB2).
bool same_node(const std::string& a, const std::string& b) {
    std::error_code ec;
    return a == b || std::filesystem::equivalent(a, b, ec);
}

}  // namespace

std::unique_ptr<Device> open_real_device(const DeviceSpec& spec) {
    discovery::Options opt;
    auto result = discovery::discover(opt);
    for (const auto& note : result.notes) spdlog::debug("discovery: {}", note);
    if (spec.kind == DeviceSpec::Kind::path) {
        for (const auto& d : result.devices)
            for (const auto& p : d.ports)
                if (same_node(p.path, spec.value)) return std::make_unique<RealDevice>(d);
        return std::make_unique<RealDevice>(device_for_path(spec.value));
    }
    return std::make_unique<RealDevice>(discovery::find_one(result, spec));
}

}  // namespace cr
