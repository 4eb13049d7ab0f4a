#include "tests/usb/usb_harness.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <umockdev.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <thread>

#include "sim/ports.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/util/error.hpp"
#include "tests/usb/harness/emulated_device.hpp"

namespace cr::usbtest {
namespace {

// Reads in short slices so a stop request ends a port server within ~100 ms even when the
// server itself waits long (the pty master never reports the app's close).
class StopAwareTransport : public Transport {
  public:
    StopAwareTransport(Transport& inner, std::stop_token stop) : inner_(inner), stop_(stop) {}
    void write(ByteView data, Millis timeout) override { inner_.write(data, timeout); }
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        Deadline deadline(timeout);
        for (;;) {
            if (stop_.stop_requested()) throw DeviceGoneError("test bed stopping");
            std::size_t n = inner_.read(buf, std::min(deadline.remaining(), Millis(100)));
            if (n > 0 || deadline.expired()) return n;
        }
    }
    std::size_t max_transfer_size() const override { return inner_.max_transfer_size(); }
    void close() override { inner_.close(); }
    std::string description() const override { return inner_.description(); }

  private:
    Transport& inner_;
    std::stop_token stop_;
};

std::jthread serve_tty(std::shared_ptr<sim::VirtualModule> module, int master, std::string role,
                       std::string name) {
    return std::jthread([module, fd = ::dup(master), role, name](std::stop_token stop) {
        StreamTransport pty(fd, fd, name + " (module side)");
        StopAwareTransport port(pty, stop);
        while (!stop.stop_requested()) {
            try {
                if (role == "diag")
                    sim::serve_diag(*module, port, stop);
                else
                    sim::serve_at(*module, port, stop);
            } catch (const std::exception& e) {
                spdlog::debug("emulated {}: {} server ended: {}", name, role, e.what());
            }
            for (int i = 0; i < 5 && !stop.stop_requested(); ++i)
                std::this_thread::sleep_for(Millis(20));
        }
    });
}

// umockdev's remove_device leaves the /sys/bus/*/devices and /sys/class/* links of a device
// behind, so the same device (same port) could not be added again after an unplug.
void remove_dangling_links(const std::filesystem::path& sys) {
    std::error_code ec;
    for (const char* top : {"bus", "class"}) {
        for (auto it = std::filesystem::recursive_directory_iterator(sys / top, ec);
             it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) break;
            if (it->is_symlink(ec) && !std::filesystem::exists(it->path(), ec)) {
                std::filesystem::remove(it->path(), ec);
            } else if (it->is_symlink(ec)) {
                it.disable_recursion_pending();
            }
        }
    }
}

}  // namespace

struct UsbTestbed::Impl {
    UMockdevTestbed* testbed = nullptr;
    std::vector<std::unique_ptr<EmulatedDevice>> devices;
    std::set<std::string> hubs;
    int next_devnum = 2;
};

// ---- specs ----

UsbDeviceSpec edl_spec(std::uint32_t chip_serial, std::string usb_path, std::uint16_t pid,
                       std::uint8_t protocol) {
    UsbDeviceSpec s;
    s.usb_path = std::move(usb_path);
    s.vid = 0x05c6;
    s.pid = pid;
    s.product = fmt::format("QUSB__BULK_CID:0402_SN:{:08X}", chip_serial);
    s.interfaces = {InterfaceSpec{0, 0xff, 0xff, protocol, "", true, ""}};
    return s;
}

UsbDeviceSpec module_spec(const sim::ModelSpec& model, std::string usb_path, int first_tty) {
    UsbDeviceSpec s;
    s.usb_path = std::move(usb_path);
    s.vid = model.vid;
    s.pid = model.pid;
    s.product = model.product;
    s.serial = fmt::format("{:08x}", model.msm_hw_id ^ model.pid);
    auto tty = [&](int i) { return fmt::format("ttyUSB{}", first_tty + i); };
    if (model.vid == 0x2c7c) {
        s.manufacturer = "Quectel";
        std::uint8_t diag_proto = (model.pid == 0x0800 || model.pid == 0x0801) ? 0x30 : 0xff;
        std::uint8_t nmea_proto = model.pid == 0x0801 ? 0x40 : 0x00;
        s.interfaces = {{0, 0xff, 0xff, diag_proto, tty(0), true, "diag"},
                        {1, 0xff, 0x00, nmea_proto, tty(1), true, ""},
                        {2, 0xff, 0x00, 0x00, tty(2), true, "at"},
                        {3, 0xff, 0x00, 0x00, tty(3), true, "at"},
                        {4, 0xff, 0xff, 0xff, "", true, ""}};
    } else if (model.vid == 0x05c6) {  // SARA-R4 under the Qualcomm VID: DIAG + AT ports
        s.manufacturer = "u-blox";
        s.interfaces = {{0, 0xff, 0xff, 0xff, tty(0), true, "diag"},
                        {1, 0xff, 0x00, 0x00, tty(1), true, "at"},
                        {2, 0xff, 0x00, 0x00, tty(2), true, "at"},
                        {3, 0xff, 0xff, 0xff, "", true, ""}};
    } else {  // u-blox 1546: CDC-ACM AT ports
        s.manufacturer = "u-blox";
        s.interfaces = {{0, 0x02, 0x02, 0x01, fmt::format("ttyACM{}", first_tty), false, "at"},
                        {2, 0x02, 0x02, 0x01, fmt::format("ttyACM{}", first_tty + 1), false, "at"}};
    }
    return s;
}

// ---- EmulatedDevice ----

EmulatedDevice::EmulatedDevice(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmulatedDevice::~EmulatedDevice() = default;
const UsbDeviceSpec& EmulatedDevice::spec() const {
    return impl_->spec;
}
std::string EmulatedDevice::devnode() const {
    return impl_->place.devnode;
}
std::string EmulatedDevice::syspath() const {
    return impl_->place.syspath;
}
TransferStats EmulatedDevice::stats() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->stats;
}
bool EmulatedDevice::unplugged() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->unplugged;
}
int EmulatedDevice::tty_master_fd(int interface_number) const {
    auto it = impl_->tty_masters.find(interface_number);
    return it == impl_->tty_masters.end() ? -1 : it->second;
}
std::string EmulatedDevice::tty_devnode(int interface_number) const {
    for (const auto& itf : impl_->spec.interfaces)
        if (itf.number == interface_number && !itf.tty.empty()) return "/dev/" + itf.tty;
    return {};
}

// ---- UsbTestbed ----

bool UsbTestbed::under_preload() {
    const char* p = std::getenv("LD_PRELOAD");
    return p && std::string_view(p).find("umockdev-preload") != std::string_view::npos;
}

int UsbTestbed::reexec_under_preload(int argc, char** argv) {
    std::vector<char*> args{const_cast<char*>("umockdev-wrapper")};
    for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
    args.push_back(nullptr);
    ::execvp("umockdev-wrapper", args.data());
    std::perror("umockdev-wrapper");
    return 1;
}

UsbTestbed::UsbTestbed() : impl_(std::make_unique<Impl>()) {
    impl_->testbed = umockdev_testbed_new();  // sets $UMOCKDEV_DIR
}

UsbTestbed::~UsbTestbed() {
    for (auto& d : impl_->devices) d->impl_->stop_all();
    impl_->devices.clear();
    g_object_unref(impl_->testbed);
}

std::string UsbTestbed::root_dir() const {
    gchar* dir = umockdev_testbed_get_root_dir(impl_->testbed);  // transfer full: ours to free
    std::string out = dir ? dir : "";
    g_free(dir);
    return out;
}

std::vector<std::string> UsbTestbed::child_environment() const {
    const char* pre = std::getenv("LD_PRELOAD");
    std::string ld = "libumockdev-preload.so.0";
    if (pre && *pre && std::string_view(pre).find("umockdev-preload") == std::string_view::npos)
        ld += std::string(":") + pre;
    else if (pre && *pre)
        ld = pre;
    return {"LD_PRELOAD=" + ld, "UMOCKDEV_DIR=" + root_dir()};
}

EmulatedDevice& UsbTestbed::add_device(const UsbDeviceSpec& spec, ServeFn serve) {
    auto add = [&](const std::string& records) {
        GError* e = nullptr;
        if (!umockdev_testbed_add_from_string(impl_->testbed, records.c_str(), &e)) {
            std::string msg = e ? e->message : "?";
            if (e) g_error_free(e);
            throw std::runtime_error("umockdev add: " + msg);
        }
    };
    auto placement = [&](const std::string& path) {
        Placement p;
        p.busnum = bus_of(path);
        p.devnum = impl_->next_devnum++;
        p.syspath = syspath_for(path);
        p.devnode = fmt::format("/dev/bus/usb/{:03}/{:03}", p.busnum, p.devnum);
        return p;
    };
    // Parents of a nested path are hubs, so libusb can walk the port chain.
    for (std::size_t i = spec.usb_path.find('-') + 1; i < spec.usb_path.size(); ++i) {
        if (spec.usb_path[i] != '.') continue;
        std::string parent = spec.usb_path.substr(0, i);
        if (impl_->hubs.insert(parent).second) add(hub_record(parent, placement(parent)));
    }
    auto dev = std::make_unique<EmulatedDevice::Impl>();
    dev->spec = spec;
    dev->place = placement(spec.usb_path);
    dev->serve = std::move(serve);
    dev->testbed = impl_->testbed;
    add(sysfs_records(spec, dev->place, spec.node_mode));
    dev->attach();
    for (const auto& itf : spec.interfaces)
        if (!itf.tty.empty())
            dev->tty_masters[itf.number] =
                umockdev_testbed_get_dev_fd(impl_->testbed, ("/dev/" + itf.tty).c_str());
    impl_->devices.push_back(std::make_unique<EmulatedDevice>(std::move(dev)));
    return *impl_->devices.back();
}

EmulatedDevice& UsbTestbed::add_edl(std::shared_ptr<sim::VirtualModule> module,
                                    std::string usb_path, NodeMode node_mode) {
    sim::ModuleState state = module->state();
    std::uint16_t pid = state.mode == sim::Mode::crashdump ? 0x900e : 0x9008;
    UsbDeviceSpec spec = edl_spec(state.serial, std::move(usb_path), pid);
    spec.node_mode = node_mode;
    return add_device(spec, [module](Transport& port, std::stop_token stop) {
        sim::serve_edl(*module, port, stop);
    });
}

EmulatedDevice& UsbTestbed::add_module(std::shared_ptr<sim::VirtualModule> module,
                                       std::string usb_path, int first_tty) {
    UsbDeviceSpec spec = module_spec(module->model(), std::move(usb_path), first_tty);
    EmulatedDevice& dev = add_device(spec);
    for (const auto& itf : spec.interfaces) {
        int fd = dev.tty_master_fd(itf.number);
        if (itf.serves.empty() || fd < 0) continue;
        dev.impl_->tty_servers.push_back(serve_tty(module, fd, itf.serves, itf.tty));
    }
    return dev;
}

void UsbTestbed::unplug(EmulatedDevice& device) {
    if (device.unplugged()) return;
    device.impl_->unplug();
    for (auto& t : device.impl_->tty_servers) t.request_stop();
    device.impl_->tty_servers.clear();
    umockdev_testbed_uevent(impl_->testbed, device.syspath().c_str(), "remove");
    umockdev_testbed_remove_device(impl_->testbed, device.syspath().c_str());
    remove_dangling_links(std::filesystem::path(root_dir()) / "sys");
}

}  // namespace cr::usbtest
