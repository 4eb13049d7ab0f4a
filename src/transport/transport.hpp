// The one byte-pipe every protocol talks through. Protocols see only this interface: they never
// open devices. Implementations: UsbTransport (libusb bulk), SerialTransport (termios tty),
// StreamTransport (any fd: socketpair, pty, pipe, /dev/mhi_EDL, wwan char devices).
#pragma once
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "src/util/bytes.hpp"
#include "src/util/deadline.hpp"

namespace cr {

class Transport {
public:
    virtual ~Transport() = default;

    // Sends all of `data` as one message (one USB bulk transfer; ZLP rules are the transport's
    // business). Throws TimeoutError if it could not finish in time, DeviceGoneError if the
    // peer went away.
    virtual void write(ByteView data, Millis timeout) = 0;

    // Reads up to buf.size() bytes. Returns the count (> 0), or 0 when nothing arrived within
    // `timeout`. Throws DeviceGoneError when the peer went away (EOF, unplug).
    virtual std::size_t read(std::span<std::uint8_t> buf, Millis timeout) = 0;

    // The largest write the transport takes in one call efficiently (protocols chunk to it).
    virtual std::size_t max_transfer_size() const = 0;

    // Releases the device; further calls throw DeviceGoneError. Idempotent.
    virtual void close() = 0;

    // For errors and logs: "usb 1-1.2 (05c6:9008)", "/dev/ttyUSB0", "socket".
    virtual std::string description() const = 0;
};

// Reads exactly buf.size() bytes or throws TimeoutError naming `what` (the overall wait is
// bounded by `timeout`, not each read).
void read_exact(Transport& transport, std::span<std::uint8_t> buf, Millis timeout,
                std::string_view what);
Bytes read_exact(Transport& transport, std::size_t count, Millis timeout, std::string_view what);

}  // namespace cr
