// Transport over a USB bulk endpoint pair (libusb-1.0): the EDL port of a Qualcomm device
// (Sahara/Firehose) or any vendor-specific bulk interface given by number.
//
// Contract (on top of Transport's):
// - write(data) is ONE logical transfer: it is submitted in chunks of transfer_size bytes and,
//   when data.size() is a non-zero multiple of wMaxPacketSize, ended with a zero-length packet
//   (PROTOCOLS.md §3) unless UsbOptions::zlp is false (host controllers that break on ZLPs).
// - read() behaves as a byte stream: bulk IN lands in an internal buffer sized in whole
//   max-packets (so the device can never overflow it), and read() hands out what is buffered.
//   It returns 0 when nothing arrived within the timeout. A ZLP from the device is consumed
//   silently (it only ends a transfer).
// - Every wait is bounded by the given timeout; no busy polling (libusb sleeps in poll()).
// - Unplug or a dead device mid-transfer throws DeviceGoneError (with device_state and
//   next_step); so does any call after close(). A STALL is cleared once and retried.
// - Not thread-safe: one thread talks through one transport at a time.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "src/transport/transport.hpp"

struct libusb_context;
struct libusb_device;
struct libusb_device_handle;

namespace cr {

// Which device and interface to open. Empty fields match anything; with everything empty the
// only EDL device attached is opened (NotFoundError if none, UsageError if several).
struct UsbSelector {
    std::string usb_path = {};  // "1-1.2": bus-port.port chain (libusb_get_port_numbers)
    std::string serial = {};    // EDL `_SN:` of iProduct, or the USB iSerial (case-insensitive)
    std::optional<std::uint16_t> vid = {};
    std::optional<std::uint16_t> pid = {};
    // Interface to claim. Without it: the EDL interface found by descriptor (ff/ff with
    // protocol ff, 0x10 or 0x11), whatever the VID/PID.
    std::optional<int> interface_number = {};
};

struct UsbOptions {
    bool zlp = true;                      // end packet-multiple writes with a ZLP
    std::size_t transfer_size = 1 << 20;  // largest single bulk submission (OUT and IN)
    bool detach_kernel_driver = true;     // e.g. qcserial/option bound to the interface
};

// True for the EDL/Sahara interface signature: class ff, subclass ff, protocol ff/0x10/0x11.
bool is_edl_interface(std::uint8_t cls, std::uint8_t subclass, std::uint8_t protocol);
// "QUSB__BULK_CID:0402_SN:1A2B3C4D" -> "1A2B3C4D"; nullopt when there is no `_SN:`.
std::optional<std::string> serial_from_iproduct(std::string_view iproduct);
// "1-1.2" style path of a libusb device (bus number + port chain); "" when unknown.
std::string usb_path_of(libusb_device* device);
// Human text of a libusb error code ("LIBUSB_ERROR_NO_DEVICE: No such device").
std::string libusb_error_text(int code);

class UsbTransport : public Transport {
  public:
    // Finds, opens and claims. Throws NotFoundError (nothing matched: with hints on cable, EDL
    // entry, `cellrescue devices`), IoError (permission: udev rules; busy: ModemManager or
    // another tool holding the interface), UsageError (several devices match: name one).
    static std::unique_ptr<UsbTransport> open(const UsbSelector& selector,
                                              const UsbOptions& options = {});
    ~UsbTransport() override;
    UsbTransport(const UsbTransport&) = delete;
    UsbTransport& operator=(const UsbTransport&) = delete;

    void write(ByteView data, Millis timeout) override;
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override;
    std::size_t max_transfer_size() const override { return options_.transfer_size; }
    void close() override;
    std::string description() const override { return description_; }

    std::uint16_t max_packet_size() const { return max_packet_; }
    int interface_number() const { return interface_; }
    const std::string& usb_path() const { return usb_path_; }
    // Counters for tests and benchmarks.
    std::uint64_t zlps_sent() const { return zlps_sent_; }
    std::uint64_t in_transfers() const { return in_transfers_; }

  private:
    UsbTransport(libusb_context* ctx, libusb_device_handle* handle, int interface,
                 std::uint8_t ep_in, std::uint8_t ep_out, std::uint16_t max_packet,
                 std::string usb_path, std::string description, UsbOptions options);
    // One libusb bulk submission; returns bytes moved; throws on anything but success/timeout.
    int bulk(std::uint8_t endpoint, std::uint8_t* data, int length, Millis timeout,
             bool* timed_out);
    [[noreturn]] void fail(int code, std::string_view during);
    void require_open() const;

    libusb_context* ctx_ = nullptr;
    libusb_device_handle* handle_ = nullptr;
    int interface_ = -1;
    std::uint8_t ep_in_ = 0;
    std::uint8_t ep_out_ = 0;
    std::uint16_t max_packet_ = 512;
    std::string usb_path_;
    std::string description_;
    UsbOptions options_;
    Bytes in_buffer_;           // sized in whole max-packets
    std::size_t in_begin_ = 0;  // unread bytes are in_buffer_[in_begin_, in_end_)
    std::size_t in_end_ = 0;
    std::uint64_t zlps_sent_ = 0;
    std::uint64_t in_transfers_ = 0;
};

}  // namespace cr
