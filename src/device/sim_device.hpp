// A virtual module as a Device: each port opened is a socketpair whose device side is served
// in-process by the module's target on its own thread.
#pragma once
#include <memory>

#include "sim/core/virtual_module.hpp"
#include "src/device/device.hpp"

namespace cr {

class SimDevice : public Device {
  public:
    explicit SimDevice(std::shared_ptr<sim::VirtualModule> module);
    std::string name() const override { return "sim:" + module_->id(); }
    bool is_virtual() const override { return true; }
    DeviceMode mode() override;
    using Device::open_edl;
    std::unique_ptr<Transport> open_edl(const EdlPortOptions& options) override;
    std::unique_ptr<Transport> open_diag() override;
    std::unique_ptr<Transport> open_at() override;
    // PCIe variants (sim:rm520n-pcie) only: the virtual BHI node.
    std::unique_ptr<BhiIo> open_bhi() override;
    // USB models in EDL: the chip serial, as their iProduct `_SN:` shows it.
    std::string edl_serial() override;
    void wait_for_mode(DeviceMode mode, Millis timeout) override;
    sim::VirtualModule& module() { return *module_; }

  private:
    void require_present();  // throws DeviceGoneError when the module is unplugged
    std::shared_ptr<sim::VirtualModule> module_;
};

}  // namespace cr
