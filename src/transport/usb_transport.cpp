#include "src/transport/usb_transport.hpp"

#include <fmt/format.h>
#include <libusb-1.0/libusb.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "src/transport/usb_util.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr {
namespace {

constexpr const char* kUsbGoneState =
    "the device is disconnected (unplugged, reset, or re-enumerating after a mode switch)";
constexpr const char* kUsbGoneNext =
    "check the cable, then run `cellrescue devices` to see how it came back (EDL or normal "
    "mode) and repeat the command";

// libusb treats a timeout of 0 as "forever": never pass it.
unsigned int libusb_timeout(Millis remaining) {
    return static_cast<unsigned int>(std::max<long long>(1, remaining.count()));
}

std::string hex_head(const std::uint8_t* data, std::size_t n) {
    std::size_t shown = std::min<std::size_t>(n, 64);
    return to_hex(ByteView(data, shown), " ") + (shown < n ? " ..." : "");
}

}  // namespace

bool is_edl_interface(std::uint8_t cls, std::uint8_t subclass, std::uint8_t protocol) {
    return cls == 0xff && subclass == 0xff &&
           (protocol == 0xff || protocol == 0x10 || protocol == 0x11);
}

std::optional<std::string> serial_from_iproduct(std::string_view iproduct) {
    auto at = iproduct.find("_SN:");
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = iproduct.substr(at + 4);
    std::size_t n = 0;
    while (n < rest.size() && std::isxdigit(static_cast<unsigned char>(rest[n]))) ++n;
    if (n == 0) return std::nullopt;
    return std::string(rest.substr(0, n));
}

std::string usb_path_of(libusb_device* device) {
    std::uint8_t ports[8];
    int n = libusb_get_port_numbers(device, ports, sizeof ports);
    if (n <= 0) return {};
    std::string path = fmt::format("{}-{}", libusb_get_bus_number(device), ports[0]);
    for (int i = 1; i < n; ++i) path += fmt::format(".{}", ports[i]);
    return path;
}

std::string libusb_error_text(int code) {
    return fmt::format("{}: {}", libusb_error_name(code), libusb_strerror(code));
}

UsbTransport::UsbTransport(libusb_context* ctx, libusb_device_handle* handle, int interface,
                           std::uint8_t ep_in, std::uint8_t ep_out, std::uint16_t max_packet,
                           std::string usb_path, std::string description, UsbOptions options)
    : ctx_(ctx),
      handle_(handle),
      interface_(interface),
      ep_in_(ep_in),
      ep_out_(ep_out),
      max_packet_(max_packet ? max_packet : 512),
      usb_path_(std::move(usb_path)),
      description_(std::move(description)),
      options_(options) {
    // Whole max-packets: the device can never send more than we asked for (no OVERFLOW).
    std::size_t packets = std::max<std::size_t>(1, options_.transfer_size / max_packet_);
    options_.transfer_size = packets * max_packet_;
    in_buffer_.resize(options_.transfer_size);
}

UsbTransport::~UsbTransport() {
    close();
}

void UsbTransport::close() {
    if (handle_) {
        libusb_release_interface(handle_, interface_);
        libusb_close(handle_);
        handle_ = nullptr;
    }
    if (ctx_) {
        libusb_exit(ctx_);
        ctx_ = nullptr;
    }
}

void UsbTransport::require_open() const {
    if (!handle_)
        throw DeviceGoneError(fmt::format("{} is closed or gone", description_), kUsbGoneState,
                              kUsbGoneNext);
}

void UsbTransport::fail(int code, std::string_view during) {
    std::string what =
        fmt::format("{}: {} failed: {}", description_, during, libusb_error_text(code));
    if (code == LIBUSB_ERROR_NO_DEVICE || code == LIBUSB_ERROR_IO || code == LIBUSB_ERROR_PIPE) {
        spdlog::debug("{}", what);
        close();  // the handle is useless now; later calls throw DeviceGoneError at once
        throw DeviceGoneError(what, kUsbGoneState, kUsbGoneNext);
    }
    throw IoError(what, "unknown: the transfer was aborted",
                  "repeat the command; if it persists, unplug and re-plug the device");
}

int UsbTransport::bulk(std::uint8_t endpoint, std::uint8_t* data, int length, Millis timeout,
                       bool* timed_out) {
    bool stall_cleared = false;
    for (;;) {
        int done = 0;
        int r =
            libusb_bulk_transfer(handle_, endpoint, data, length, &done, libusb_timeout(timeout));
        *timed_out = (r == LIBUSB_ERROR_TIMEOUT);
        if (r == 0 || r == LIBUSB_ERROR_TIMEOUT) return done;
        if (r == LIBUSB_ERROR_INTERRUPTED) continue;
        if (r == LIBUSB_ERROR_PIPE && !stall_cleared && done == 0) {
            // A stalled endpoint: clear it once (some targets stall after a rejected command).
            stall_cleared = true;
            if (libusb_clear_halt(handle_, endpoint) == 0) continue;
        }
        fail(r, (endpoint & 0x80) ? "bulk IN" : "bulk OUT");
    }
}

void UsbTransport::write(ByteView data, Millis timeout) {
    require_open();
    Deadline deadline(timeout);
    spdlog::trace("{} OUT {} bytes: {}", description_, data.size(),
                  hex_head(data.data(), data.size()));
    std::size_t sent = 0;
    while (sent < data.size()) {
        std::size_t chunk = std::min(options_.transfer_size, data.size() - sent);
        bool timed_out = false;
        // libusb takes a non-const buffer for both directions; OUT never writes to it.
        auto* p = const_cast<std::uint8_t*>(data.data() + sent);
        int done = bulk(ep_out_, p, static_cast<int>(chunk), deadline.remaining(), &timed_out);
        sent += static_cast<std::size_t>(done);
        if (timed_out)
            throw TimeoutError(
                fmt::format("{} did not accept data within {} ms ({} of {} bytes sent)",
                            description_, timeout.count(), sent, data.size()),
                "the device is attached but not reading (busy, or waiting for something else)",
                "repeat the command; if it keeps failing, reset the module (power-cycle)");
    }
    if (options_.zlp && !data.empty() && data.size() % max_packet_ == 0) {
        bool timed_out = false;
        std::uint8_t none = 0;
        bulk(ep_out_, &none, 0, deadline.remaining(), &timed_out);
        if (timed_out)
            throw TimeoutError(fmt::format("{}: zero-length packet not taken within {} ms",
                                           description_, timeout.count()),
                               "the device got the data but not the end-of-transfer marker",
                               "retry with the ZLP switch off (--no-zlp) if the host controller "
                               "is known to break on ZLPs");
        ++zlps_sent_;
    }
}

std::size_t UsbTransport::read(std::span<std::uint8_t> buf, Millis timeout) {
    require_open();
    if (buf.empty()) return 0;
    Deadline deadline(timeout);
    while (in_begin_ == in_end_) {
        // Large caller buffers are filled directly (whole packets); small ones go through ours.
        std::size_t direct = buf.size() / max_packet_ * max_packet_;
        direct = std::min(direct, options_.transfer_size);
        std::uint8_t* target = direct ? buf.data() : in_buffer_.data();
        std::size_t length = direct ? direct : in_buffer_.size();
        bool timed_out = false;
        int done = bulk(ep_in_, target, static_cast<int>(length), deadline.remaining(), &timed_out);
        ++in_transfers_;
        if (done > 0) {
            spdlog::trace("{} IN {} bytes: {}", description_, done, hex_head(target, done));
            if (direct) return static_cast<std::size_t>(done);
            in_begin_ = 0;
            in_end_ = static_cast<std::size_t>(done);
            break;
        }
        // done == 0: a ZLP (ends a transfer; nothing to hand out) or a timeout.
        if (timed_out || deadline.expired()) return 0;
    }
    std::size_t n = std::min(buf.size(), in_end_ - in_begin_);
    std::memcpy(buf.data(), in_buffer_.data() + in_begin_, n);
    in_begin_ += n;
    return n;
}

std::unique_ptr<UsbTransport> UsbTransport::open(const UsbSelector& selector,
                                                 const UsbOptions& options) {
    usb::Candidate c = usb::find_candidate(selector);  // owns ctx + handle until adopted
    std::string description = fmt::format("usb {} ({:04x}:{:04x})", c.usb_path, c.vid, c.pid);
    auto transport = std::unique_ptr<UsbTransport>(
        new UsbTransport(c.ctx, c.handle, c.interface, c.ep_in, c.ep_out, c.max_packet, c.usb_path,
                         description, options));
    c.ctx = nullptr;
    c.handle = nullptr;
    usb::claim(*transport->handle_, transport->interface_, options.detach_kernel_driver,
               description);
    spdlog::debug("{}: claimed interface {} (EP in 0x{:02x} out 0x{:02x}, {} B packets)",
                  description, transport->interface_, transport->ep_in_, transport->ep_out_,
                  transport->max_packet_);
    return transport;
}

}  // namespace cr
