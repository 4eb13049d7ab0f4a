// The BHI node of Quectel's pcie_mhi driver (/dev/mhi_BHI): two ioctls on raw buffers, errno
// turned into typed errors that say what the module's state is and what to do. The buffer
// layouts are protocols/mhi's business; this layer only does the syscalls.
#pragma once
#include <memory>
#include <span>
#include <string>

#include "src/util/bytes.hpp"

namespace cr {

// What the BHI client talks to: the real node, or a virtual module's BHI (sim: devices).
class BhiIo {
  public:
    virtual ~BhiIo() = default;
    // IOCTL_BHI_GETDEVINFO into `out` (the driver's structure size). Throws as throw_bhi_error.
    virtual void get_device_info(std::span<std::uint8_t> out) = 0;
    // IOCTL_BHI_WRITEIMAGE with `buffer` (size_t prefix + image). Throws as throw_bhi_error.
    virtual void write_image(ByteView buffer) = 0;
    virtual std::string description() const = 0;
};

// A BHI char device opened read/write; ioctl(2) on it.
class BhiNode : public BhiIo {
  public:
    // Throws NotFoundError/IoError like any port open (missing node, permissions, busy).
    static std::unique_ptr<BhiNode> open(const std::string& path);
    ~BhiNode() override;
    BhiNode(const BhiNode&) = delete;
    BhiNode& operator=(const BhiNode&) = delete;
    void get_device_info(std::span<std::uint8_t> out) override;
    void write_image(ByteView buffer) override;
    std::string description() const override { return path_; }

  private:
    BhiNode(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::string path_;
};

enum class BhiOp { get_device_info, write_image };

// The error for a failed BHI ioctl `op` on `node` with errno `err`:
//   ENODEV/ENXIO/ESHUTDOWN  DeviceGoneError: the PCIe link went down or the driver unbound
//   EBUSY                   IoError: another program is loading an image or holds the node
//   EINVAL                  ProtocolError: the driver refused (module not in EDL, or the
//                           size_t prefix does not match the kernel's: 32-bit tool, 64-bit kernel)
//   EIO/ETIMEDOUT           ProtocolError: the transfer or the boot ROM failed
//   ENOTTY                  UsageError: the node is not a BHI node (wrong path or driver)
//   EFAULT/ENOMEM/other     IoError with strerror
[[noreturn]] void throw_bhi_error(const std::string& node, BhiOp op, int err);

}  // namespace cr
