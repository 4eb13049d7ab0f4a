// The BHI node of a virtual PCIe module, as Quectel's pcie_mhi driver and the boot ROM behave
// (PROTOCOLS.md §3a): GETDEVINFO reports the execution environment from the module's state
// (normal -> AMSS, EDL -> EDL, crash dump -> RDDM), its serial, MSM HW ID and OEM PK hash;
// WRITEIMAGE reads the host's size_t then the image, refuses it unless the module is in EDL,
// authenticates it like the USB boot ROM (sim/edl/virtual_programmer) and, when accepted, starts
// Firehose: the EDL node appears.
//
// Faults a test sets in state.extra["pcie"]: "ee" (report this bhi_ee whatever the mode),
// "errno_getdevinfo" / "errno_writeimage" (fail that ioctl with this errno),
// "edl_never_appears" (the programmer is accepted but the EDL node never comes).
#pragma once
#include <functional>
#include <memory>

#include "protocols/mhi/bhi.hpp"
#include "sim/core/virtual_module.hpp"

namespace cr::sim {

class BhiTarget {
  public:
    // `driver_layout`: the word size the emulated kernel was built for.
    explicit BhiTarget(std::shared_ptr<VirtualModule> module,
                       mhi::HostLayout driver_layout = mhi::native_layout())
        : module_(std::move(module)), layout_(driver_layout) {}

    // Returns 0 and fills `out` (kDeviceInfoSize bytes), or an errno.
    int get_device_info(Bytes& out);
    // `read_caller(n)` copies the first n bytes of the caller's buffer (the driver's
    // copy_from_user): called once for the size prefix, then for prefix + image. Returns 0 or
    // an errno (EINVAL: wrong EE or a size the driver refuses; EIO: the boot ROM rejected it).
    int write_image(const std::function<Bytes(std::size_t)>& read_caller);

    mhi::DeviceInfo device_info() const;
    // True when the module's EDL node exists (a programmer runs and no fault hides it).
    static bool edl_node_present(const VirtualModule& module);

    // Largest image the driver takes (it refuses larger sizes before copying).
    static constexpr std::uint64_t kMaxImage = 64ull << 20;

  private:
    std::shared_ptr<VirtualModule> module_;
    mhi::HostLayout layout_;
};

}  // namespace cr::sim
