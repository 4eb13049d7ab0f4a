// Emulated PCIe (MHI) nodes for tests (library cr_pcie_harness, umockdev): a virtual module's
// /dev/mhi_BHI answers IOCTL_BHI_GETDEVINFO/WRITEIMAGE through sim::BhiTarget, and its
// /dev/mhi_DIAG and /dev/mhi_EDL are byte-stream char devices whose read(2)/write(2) umockdev
// forwards here (handle-read/handle-write) and whose poll(2) is driven by a FIFO kept readable
// while bytes wait for the host. mhi_EDL exists only while the module's programmer runs (after
// a WRITEIMAGE the boot ROM accepted), as with the pcie_mhi driver.
//
// Contract (as tests/usb): create the PcieTestbed first in the process, run under the umockdev
// preload (ctest uses umockdev-wrapper) and skip otherwise. vanish() takes every node away as a
// PCIe link reset does: pending and later reads/writes fail with ENODEV.
#pragma once
#include <memory>
#include <string>

#include "protocols/mhi/bhi.hpp"
#include "sim/core/virtual_module.hpp"

namespace cr::pcietest {

class PcieTestbed {
  public:
    PcieTestbed();
    ~PcieTestbed();
    PcieTestbed(const PcieTestbed&) = delete;
    PcieTestbed& operator=(const PcieTestbed&) = delete;

    // The module's nodes under the pcie_mhi driver built for `driver_layout`'s word size.
    void add_module(std::shared_ptr<sim::VirtualModule> module,
                    mhi::HostLayout driver_layout = mhi::native_layout());
    // A PCIe link reset: every node disappears, open fds fail with ENODEV.
    void vanish();
    // Bytes the host wrote to mhi_EDL so far.
    std::uint64_t edl_bytes_in() const;
    std::string root_dir() const;

    static bool under_preload();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace cr::pcietest
