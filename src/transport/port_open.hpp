// How a port path becomes a Transport: one place that decides "this path is a tty".
//
// A path is whatever the user or discovery names: /dev/ttyUSB2, /dev/serial/by-id/usb-Quectel_
// ...-if00-port0, /dev/pts/7, the DIR/diag link of `sim serve`, /dev/mhi_DIAG, /dev/wwan0qcdm0.
// The decision is made from the opened file, never from the name: every terminal (isatty: USB
// serial, ACM, UART, pty) gets SerialTransport's raw 8N1 set-up with bounded reads whatever
// termios a previous program left (`stty sane`, VMIN=0); every other char device, FIFO or socket
// stays a byte stream (StreamTransport).
#pragma once
#include <memory>
#include <string>

#include "src/transport/transport.hpp"
#include "src/util/deadline.hpp"

namespace cr {

// What a path is once opened.
enum class PortKind {
    terminal,  // a tty driver (termios applies)
    stream,    // any other char device, FIFO or socket
};

// The device node a path names, symlinks followed ("/dev/serial/by-id/..." -> "/dev/ttyUSB2").
// Throws NotFoundError for a missing path and, naming both ends, for a link that points nowhere.
std::string resolve_port_path(const std::string& path);

// PortKind of an open descriptor (isatty, i.e. the tty layer answers termios calls).
PortKind port_kind(int fd);

struct PortOpenOptions {
    unsigned baud = 115200;  // terminals only
    bool exclusive = true;   // terminals: TIOCEXCL + flock (ModemManager, a second tool)
    // Drop bytes a previous session left on the line (a reply an aborted command never read):
    // read and discard until the line is quiet for `quiet`, at most for `max`.
    bool drain = true;
    Millis quiet{30};
    Millis max{500};
};

// Opens `path` (links resolved) as the right Transport and gives it a clean start. Errors:
// NotFoundError (no such path, dangling link), IoError (busy, permissions), as SerialTransport.
std::unique_ptr<Transport> open_port_path(const std::string& path,
                                          const PortOpenOptions& options = {});

// Throws the error for an open(2) failure on `path` with errno `err`: NotFoundError (ENOENT,
// ENODEV, ENXIO), IoError naming ModemManager (EBUSY) or the udev rules (EACCES/EPERM).
[[noreturn]] void throw_port_open_error(const std::string& path, int err);

// Reads and discards input until nothing arrived for `quiet` (bounded by `max`: a module that
// streams logs never goes quiet). Returns the number of bytes dropped.
std::size_t drain_stale_input(Transport& transport, Millis quiet, Millis max);

}  // namespace cr
