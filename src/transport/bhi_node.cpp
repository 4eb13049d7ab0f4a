#include "src/transport/bhi_node.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/transport/port_open.hpp"
#include "src/util/error.hpp"

namespace cr {
namespace {

// The driver's request numbers (PROTOCOLS.md §3a); kept here as plain numbers so the transport
// layer does not depend on the codec.
constexpr unsigned long kGetDevInfo = 0x8BE0 + 1;
constexpr unsigned long kWriteImage = 0x8BE0 + 2;

std::string_view op_name(BhiOp op) {
    return op == BhiOp::get_device_info ? "IOCTL_BHI_GETDEVINFO" : "IOCTL_BHI_WRITEIMAGE";
}

}  // namespace

[[noreturn]] void throw_bhi_error(const std::string& node, BhiOp op, int err) {
    std::string what = fmt::format("{} on {} failed: {}", op_name(op), node, std::strerror(err));
    const bool writing = op == BhiOp::write_image;
    switch (err) {
        case ENODEV:
        case ENXIO:
        case ESHUTDOWN:
            throw DeviceGoneError(what,
                                  "the module left the PCIe bus (link reset, driver unbound, or "
                                  "it is rebooting)",
                                  "wait a few seconds and run `cellrescue devices`; if "
                                  "/dev/mhi_BHI stays away, check `dmesg` and reboot the host or "
                                  "rescan the bus (echo 1 > /sys/bus/pci/rescan)");
        case EBUSY:
            throw IoError(
                what, "the module is attached; another program is using its BHI node",
                "stop QFirehose/qfenix or another cellrescue (`sudo lsof " + node + "`) and retry");
        case EINVAL:
            throw ProtocolError(
                what,
                writing ? "the driver refused the image; the module was not changed"
                        : "the driver refused the request",
                writing ? "check that the module is in EDL (`cellrescue info`); a 32-bit "
                          "cellrescue on a 64-bit kernel sends a 4-byte size the driver cannot "
                          "read: use a build for the kernel's word size"
                        : "check that " + node + " belongs to Quectel's pcie_mhi driver");
        case EIO:
        case ETIMEDOUT:
            throw ProtocolError(what,
                                writing ? "the image transfer failed; the module is still in "
                                          "EDL waiting for a programmer"
                                        : "the driver could not read the BHI registers",
                                "retry once; if it fails again power-cycle the host (the "
                                "module keeps no state from a failed load)");
        case ENOTTY:
            throw UsageError(what, "nothing was sent to the module",
                             node +
                                 " is not a BHI node: name /dev/mhi_BHI of Quectel's pcie_mhi "
                                 "driver (upstream kernels have no BHI node)");
        default:
            throw IoError(what, writing ? "the module is in EDL, no programmer was loaded" : "",
                          "retry; see `dmesg` for the driver's message");
    }
}

std::unique_ptr<BhiNode> BhiNode::open(const std::string& path) {
    const std::string node = resolve_port_path(path);
    int fd = ::open(node.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) throw_port_open_error(path, errno);
    return std::unique_ptr<BhiNode>(new BhiNode(fd, path));
}

BhiNode::~BhiNode() {
    if (fd_ >= 0) ::close(fd_);
}

void BhiNode::get_device_info(std::span<std::uint8_t> out) {
    // The driver copies its whole structure; `out` is that size (checked by the codec).
    if (::ioctl(fd_, kGetDevInfo, out.data()) < 0)
        throw_bhi_error(path_, BhiOp::get_device_info, errno);
}

void BhiNode::write_image(ByteView buffer) {
    // The driver reads size_t then the image from this one buffer; it may take seconds (the
    // boot ROM authenticates the image) and is bounded by the driver's own timeout.
    if (::ioctl(fd_, kWriteImage, const_cast<std::uint8_t*>(buffer.data())) < 0)
        throw_bhi_error(path_, BhiOp::write_image, errno);
}

}  // namespace cr
