// A device the user named with -d: a real module/EDL device found through discovery, or a
// virtual module. Workflows get transports from it and never care which it is.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "src/device/device_spec.hpp"
#include "src/transport/bhi_node.hpp"
#include "src/transport/transport.hpp"
#include "src/util/deadline.hpp"

namespace cr {

enum class DeviceMode { normal, edl, crashdump, absent };
std::string_view to_string(DeviceMode mode);

struct DeviceEnvironment {
    std::filesystem::path sim_dir;  // where virtual modules live (--sim-dir)
};

// How to open an EDL port. `zlp` false: never end a write with a zero-length packet (for host
// controllers that break on ZLPs, e.g. MT7621 and old xHCI); only USB ports have ZLPs.
struct EdlPortOptions {
    bool zlp = true;
};

class Device {
  public:
    virtual ~Device() = default;
    virtual std::string name() const = 0;  // how to name it again with -d ("sim:rm520n")
    virtual bool is_virtual() const = 0;
    // The mode the device shows now (re-enumerates; cheap).
    virtual DeviceMode mode() = 0;
    // Ports. Each throws NotFoundError explaining why (wrong mode, port missing, permissions).
    std::unique_ptr<Transport> open_edl() { return open_edl(EdlPortOptions{}); }
    virtual std::unique_ptr<Transport> open_edl(const EdlPortOptions& options) = 0;
    virtual std::unique_ptr<Transport> open_diag() = 0;
    virtual std::unique_ptr<Transport> open_at() = 0;
    // PCIe modules under Quectel's pcie_mhi driver: the BHI node that takes the programmer
    // before the EDL port exists (there is no Sahara on that path). nullptr for USB devices and
    // for upstream-kernel (WWAN) PCIe modules.
    virtual std::unique_ptr<BhiIo> open_bhi() { return nullptr; }
    // The chip serial the bus shows for a USB EDL device (iProduct `_SN:`, hex digits as the
    // device prints them), so a running programmer's chip can still be named. Empty when not in
    // EDL or when the bus shows none (PCIe).
    virtual std::string edl_serial() { return {}; }
    // Waits until the device is back in `mode` after a reset or mode switch; throws TimeoutError.
    virtual void wait_for_mode(DeviceMode mode, Millis timeout) = 0;
};

// Resolves -d (Kind::any: the only attached device). Throws NotFoundError with hints.
std::unique_ptr<Device> open_device(const DeviceSpec& spec, const DeviceEnvironment& env);

// Real hardware (discovery-backed); implemented with discovery in src/device/usb_device.cpp.
std::unique_ptr<Device> open_real_device(const DeviceSpec& spec);

}  // namespace cr
