#include "src/device/sim_device.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "sim/core/usb_presence.hpp"
#include "sim/pcie/bhi_target.hpp"
#include "sim/ports.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/util/error.hpp"

namespace cr {
namespace {

using ServeFn = void (*)(sim::VirtualModule&, Transport&, std::stop_token);

// Host end of a socketpair whose device end a virtual port serves on a thread. Closing it
// hangs up the socket (the port sees EOF and returns) and joins the thread: nothing outlives it.
class SimPortTransport : public Transport {
  public:
    SimPortTransport(std::shared_ptr<sim::VirtualModule> module, ServeFn serve,
                     const std::string& label) {
        auto [host, device] = make_socket_pair(label);
        host_ = std::move(host);
        device_ = std::move(device);
        thread_ = std::jthread([module = std::move(module), serve, device = device_.get(),
                                label](std::stop_token stop) {
            try {
                serve(*module, *device, stop);
            } catch (const DeviceGoneError&) {
                // host hung up: the normal end of a session
            } catch (const std::exception& e) {
                spdlog::debug("{}: virtual port stopped: {}", label, e.what());
            }
            device->close();  // the host now reads EOF, as after a USB disconnect
        });
    }
    ~SimPortTransport() override { close(); }
    void write(ByteView data, Millis timeout) override { host_->write(data, timeout); }
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        return host_->read(buf, timeout);
    }
    std::size_t max_transfer_size() const override { return host_->max_transfer_size(); }
    std::string description() const override { return host_->description(); }
    void close() override {
        if (!thread_.joinable()) return;
        thread_.request_stop();
        host_->shutdown_write();
        thread_.join();
        host_->close();
    }

  private:
    std::unique_ptr<StreamTransport> host_;
    std::unique_ptr<StreamTransport> device_;
    std::jthread thread_;
};

DeviceMode device_mode_of(sim::Mode mode) {
    switch (mode) {
        case sim::Mode::normal:
            return DeviceMode::normal;
        case sim::Mode::edl:
            return DeviceMode::edl;
        case sim::Mode::crashdump:
            return DeviceMode::crashdump;
    }
    return DeviceMode::absent;
}

// The virtual module's BHI node without a kernel: the same driver emulation the umockdev
// tests reach through ioctl(2), handed the buffers directly.
class SimBhiIo : public BhiIo {
  public:
    SimBhiIo(std::shared_ptr<sim::VirtualModule> module, std::string name)
        : target_(std::move(module)), name_(std::move(name)) {}
    void get_device_info(std::span<std::uint8_t> out) override {
        Bytes info;
        if (int e = target_.get_device_info(info))
            throw_bhi_error(name_, BhiOp::get_device_info, e);
        std::copy_n(info.begin(), std::min(info.size(), out.size()), out.begin());
    }
    void write_image(ByteView buffer) override {
        auto read_caller = [&](std::size_t n) {
            return Bytes(buffer.begin(),
                         buffer.begin() + static_cast<std::ptrdiff_t>(std::min(n, buffer.size())));
        };
        if (int e = target_.write_image(read_caller)) throw_bhi_error(name_, BhiOp::write_image, e);
    }
    std::string description() const override { return name_; }

  private:
    sim::BhiTarget target_;
    std::string name_;
};

}  // namespace

SimDevice::SimDevice(std::shared_ptr<sim::VirtualModule> module) : module_(std::move(module)) {}

DeviceMode SimDevice::mode() {
    sim::ModuleState s = module_->state();
    if (sim::is_unplugged(s)) return DeviceMode::absent;  // dropped by its (virtual) hub
    return device_mode_of(s.mode);
}

void SimDevice::require_present() {
    if (sim::is_unplugged(module_->state()))
        throw DeviceGoneError(
            fmt::format("{} is not on the bus (unplugged)", name()), "disconnected",
            "plug it in again (`cellrescue sim plug " + module_->id() + "`) and retry");
}

std::unique_ptr<Transport> SimDevice::open_edl(const EdlPortOptions&) {  // no USB: no ZLPs
    require_present();
    auto m = mode();
    if (m != DeviceMode::edl && m != DeviceMode::crashdump)
        throw NotFoundError(
            fmt::format("{} is in {} mode: it has no EDL port", name(), to_string(m)),
            fmt::format("{} is running normally", name()),
            fmt::format("switch it with `cellrescue edl enter -d {}` (or `cellrescue sim set {} "
                        "--state edl`)",
                        name(), module_->id()));
    if (sim::is_pcie(module_->model()) && !sim::BhiTarget::edl_node_present(*module_))
        throw NotFoundError(
            fmt::format("{} has no EDL node (mhi_EDL) yet", name()),
            "in EDL, the boot ROM waits for a programmer over BHI",
            fmt::format("load one through its BHI node: `cellrescue edl flash -d {}` (or any EDL "
                        "command) does it",
                        name()));
    return std::make_unique<SimPortTransport>(module_, &sim::serve_edl, name() + " EDL");
}

std::string SimDevice::edl_serial() {
    sim::ModuleState s = module_->state();
    if (sim::is_unplugged(s) || sim::is_pcie(module_->model()) ||
        device_mode_of(s.mode) != DeviceMode::edl)
        return {};
    return fmt::format("{:08X}", s.serial);
}

std::unique_ptr<BhiIo> SimDevice::open_bhi() {
    require_present();
    if (!sim::is_pcie(module_->model())) return nullptr;
    return std::make_unique<SimBhiIo>(module_, name() + " BHI");
}

std::unique_ptr<Transport> SimDevice::open_diag() {
    require_present();
    if (auto m = mode(); m != DeviceMode::normal)
        throw NotFoundError(
            fmt::format("{} is in {} mode: its DIAG port is gone", name(), to_string(m)),
            fmt::format("{} is in {} mode", name(), to_string(m)),
            fmt::format("reset it to normal mode with `cellrescue edl reset -d {}`", name()));
    if (module_->model().msm_hw_id == 0)
        throw NotFoundError(fmt::format("{} has no DIAG port", module_->model().product));
    return std::make_unique<SimPortTransport>(module_, &sim::serve_diag, name() + " DIAG");
}

std::unique_ptr<Transport> SimDevice::open_at() {
    require_present();
    if (auto m = mode(); m != DeviceMode::normal)
        throw NotFoundError(
            fmt::format("{} is in {} mode: its AT port is gone", name(), to_string(m)),
            fmt::format("{} is in {} mode", name(), to_string(m)),
            fmt::format("reset it to normal mode with `cellrescue edl reset -d {}`", name()));
    return std::make_unique<SimPortTransport>(module_, &sim::serve_at, name() + " AT");
}

void SimDevice::wait_for_mode(DeviceMode wanted, Millis timeout) {
    Deadline deadline(timeout);
    while (mode() != wanted) {
        if (deadline.expired())
            throw TimeoutError(fmt::format("{} did not come back in {} mode within {} ms", name(),
                                           to_string(wanted), timeout.count()));
        std::this_thread::sleep_for(Millis(20));
    }
}

}  // namespace cr
