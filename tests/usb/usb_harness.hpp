// Emulated USB for tests (library cr_usb_harness, umockdev): one or several USB devices that an
// unmodified libusb (our UsbTransport, Debian's qdl) opens, claims and talks bulk to, while a
// device-side Transport in this process answers (a virtual module's serve_edl, or any function).
//
// Contract:
// - Create the UsbTestbed FIRST in the process: before libusb_init and before any other thread
//   starts (umockdev sets environment variables). The process must run under the umockdev
//   preload (ctest registers the binaries with `umockdev-wrapper`); check under_preload() and
//   skip otherwise.
// - Each device's bulk OUT transfer is delivered to the device-side Transport as bytes (read()
//   returns them); each device-side write() becomes ONE bulk IN message, as a real device ends a
//   transfer with a short packet (a message longer than the host's IN buffer is split over
//   several IN transfers; a write that is a whole multiple of wMaxPacketSize is followed by a
//   ZLP, as real targets do).
// - NodeMode::fifo (default) makes the usbfs node pollable so libusb sleeps instead of spinning;
//   NodeMode::regular is what programs that read() the node (qdl) need.
// - unplug() fails pending URBs with ENODEV, sends the "remove" uevent and removes the device
//   from sysfs; the device-side Transport then throws DeviceGoneError to its server.
// - Destroying the testbed stops every serve thread (bounded) and removes the devices.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "sim/core/virtual_module.hpp"
#include "src/transport/transport.hpp"

namespace cr::usbtest {

enum class NodeMode { fifo, regular };

struct InterfaceSpec {
    std::uint8_t number = 0;
    std::uint8_t cls = 0xff;
    std::uint8_t subclass = 0xff;
    std::uint8_t protocol = 0xff;
    std::string tty;     // "ttyUSB0": a pty-backed tty child with udev properties ("" = none)
    bool bulk = true;    // has a bulk IN/OUT pair (EP 0x81+n / 0x01+n)
    std::string serves;  // add_module: the virtual port behind the tty ("diag", "at", "")
};

struct UsbDeviceSpec {
    std::string usb_path = "1-1";  // sysfs name: bus "1", port chain "1" (or "1-4.2")
    std::uint16_t vid = 0x05c6;
    std::uint16_t pid = 0x9008;
    std::string manufacturer = "Qualcomm CDMA Technologies MSM";
    std::string product = "QUSB__BULK";
    std::string serial;  // iSerial ("" = none)
    int speed_mbps = 480;
    std::uint16_t max_packet = 512;  // bulk wMaxPacketSize
    std::vector<InterfaceSpec> interfaces{InterfaceSpec{}};
    NodeMode node_mode = NodeMode::fifo;
};

// Serves the device side of the (first) bulk interface until the host goes away or stop.
using ServeFn = std::function<void(Transport& device_side, std::stop_token stop)>;

// Device specs for the common cases.
// EDL 05c6:9008, iProduct "QUSB__BULK_CID:0402_SN:<8 hex digits>", one ff/ff/<protocol> interface.
UsbDeviceSpec edl_spec(std::uint32_t chip_serial, std::string usb_path = "1-1",
                       std::uint16_t pid = 0x9008, std::uint8_t protocol = 0xff);
// A module in normal mode with its tty interfaces (from the model's VID/PID; Quectel layout
// if0 DIAG .. if4 QMI, SARA-R4 05c6 layout, u-blox 1546 CDC-ACM). tty names start at
// ttyUSB<first_tty>.
UsbDeviceSpec module_spec(const sim::ModelSpec& model, std::string usb_path, int first_tty = 0);

struct TransferStats {
    std::uint64_t out_transfers = 0;  // bulk OUT URBs (incl. ZLPs)
    std::uint64_t out_bytes = 0;
    std::uint64_t out_zlps = 0;      // zero-length OUT URBs
    std::uint64_t in_transfers = 0;  // completed bulk IN URBs
    std::uint64_t in_bytes = 0;
    std::uint64_t control_transfers = 0;
    std::vector<std::size_t> out_sizes;  // every OUT URB's length, in order
};

class UsbTestbed;

class EmulatedDevice {
  public:
    const UsbDeviceSpec& spec() const;
    std::string devnode() const;  // "/dev/bus/usb/001/002"
    std::string syspath() const;  // "/sys/devices/.../usb1/1-1"
    TransferStats stats() const;
    // Test side of a tty interface's pty (the "module" end); -1 when the interface has none.
    int tty_master_fd(int interface_number) const;
    std::string tty_devnode(int interface_number) const;  // "/dev/ttyUSB2"
    bool unplugged() const;

    struct Impl;
    explicit EmulatedDevice(std::unique_ptr<Impl> impl);
    ~EmulatedDevice();

  private:
    friend class UsbTestbed;
    std::unique_ptr<Impl> impl_;
};

class UsbTestbed {
  public:
    UsbTestbed();  // see the contract: first thing in the process
    ~UsbTestbed();
    UsbTestbed(const UsbTestbed&) = delete;
    UsbTestbed& operator=(const UsbTestbed&) = delete;

    // Adds a device; `serve` (optional) answers its first bulk interface on its own thread.
    EmulatedDevice& add_device(const UsbDeviceSpec& spec, ServeFn serve = {});
    // A virtual module's EDL (or crash-dump, per its state) port as 05c6:9008 (or 900e),
    // served by sim::serve_edl.
    EmulatedDevice& add_edl(std::shared_ptr<sim::VirtualModule> module, std::string usb_path,
                            NodeMode node_mode = NodeMode::fifo);
    // A virtual module in normal mode: its ttys, DIAG served by sim::serve_diag and AT ports by
    // sim::serve_at over the ptys.
    EmulatedDevice& add_module(std::shared_ptr<sim::VirtualModule> module, std::string usb_path,
                               int first_tty = 0);
    // Hot-unplug (see contract). Idempotent.
    void unplug(EmulatedDevice& device);

    // Environment a child process (qdl) needs to see the testbed: LD_PRELOAD + UMOCKDEV_DIR.
    std::vector<std::string> child_environment() const;
    std::string root_dir() const;

    // True when this process runs under libumockdev-preload (tests skip otherwise).
    static bool under_preload();
    // For programs (benchmarks) that need the preload: re-executes argv under umockdev-wrapper.
    // Returns only when that fails (exit status 1 for the caller, the reason printed).
    [[nodiscard]] static int reexec_under_preload(int argc, char** argv);

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace cr::usbtest
