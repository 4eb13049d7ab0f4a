#include "src/transport/port_open.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "src/transport/serial_transport.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/util/error.hpp"

namespace cr {
namespace {

namespace fs = std::filesystem;

// "a -> b" for errors and logs when the name is a link, else the name.
std::string describe(const std::string& named, const std::string& resolved) {
    return named == resolved ? named : fmt::format("{} ({})", named, resolved);
}

}  // namespace

[[noreturn]] void throw_port_open_error(const std::string& path, int err) {
    if (err == ENOENT || err == ENODEV || err == ENXIO)
        throw NotFoundError(fmt::format("{} does not exist", path),
                            "the module is not attached on that port (or it re-enumerated)",
                            "run `cellrescue devices` to list the ports present now");
    if (err == EBUSY)
        throw IoError(fmt::format("{} is busy: another program holds it exclusively", path),
                      "the module is attached and untouched",
                      "ModemManager often holds module ports: `sudo systemctl stop ModemManager` "
                      "or install udev/ rules (ID_MM_DEVICE_IGNORE); check with `sudo lsof " +
                          path + "`");
    if (err == EACCES || err == EPERM)
        throw IoError(fmt::format("no permission to open {}", path),
                      "the module is attached but this user may not use the port",
                      "install the udev rules (docs/udev.md) or add yourself to group dialout/"
                      "plugdev (log in again afterwards)");
    throw IoError(fmt::format("cannot open {}: {}", path, std::strerror(err)));
}

std::string resolve_port_path(const std::string& path) {
    std::error_code ec;
    auto status = fs::symlink_status(path, ec);
    if (ec || !fs::exists(status)) throw_port_open_error(path, ENOENT);
    if (!fs::is_symlink(status)) return path;
    fs::path target = fs::canonical(path, ec);
    if (ec) {
        // A by-id link whose ttyUSB went away (unplug, re-enumeration) or a stale `sim serve`
        // link: name both ends, the user sees the link only.
        std::string points_to = fs::read_symlink(path, ec).string();
        throw NotFoundError(
            fmt::format("{} is a link to {}, which does not exist", path,
                        points_to.empty() ? "nothing" : points_to),
            "the module that link named is not attached now (unplugged, reset, or switched "
            "mode), or the program that made the link stopped",
            "run `cellrescue devices` to see the ports present now; udev recreates "
            "/dev/serial/by-id links when the module comes back");
    }
    return target.string();
}

PortKind port_kind(int fd) {
    return ::isatty(fd) == 1 ? PortKind::terminal : PortKind::stream;
}

std::unique_ptr<Transport> open_port_path(const std::string& path, const PortOpenOptions& options) {
    const std::string resolved = resolve_port_path(path);
    const std::string name = describe(path, resolved);
    int fd = ::open(resolved.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw_port_open_error(name, errno);
    std::unique_ptr<Transport> port;
    const PortKind kind = port_kind(fd);
    if (kind == PortKind::terminal) {
        SerialOptions serial;
        serial.baud = options.baud;
        serial.exclusive = options.exclusive;
        port = SerialTransport::adopt(fd, name, serial);
    } else {
        port = std::make_unique<StreamTransport>(fd, fd, name);  // mhi/wwan: byte streams
    }
    spdlog::debug("{}: opened as a {}", name,
                  kind == PortKind::terminal ? "terminal (raw 8N1)" : "byte stream");
    if (options.drain) {
        std::size_t dropped = drain_stale_input(*port, options.quiet, options.max);
        if (dropped > 0)
            spdlog::debug("{}: dropped {} stale bytes left by an earlier session", name, dropped);
    }
    return port;
}

std::size_t drain_stale_input(Transport& transport, Millis quiet, Millis max) {
    Deadline overall(max);
    std::array<std::uint8_t, 4096> buf{};
    std::size_t dropped = 0;
    while (!overall.expired()) {
        std::size_t n = transport.read(buf, std::min(quiet, overall.remaining()));
        if (n == 0) break;
        dropped += n;
    }
    return dropped;
}

}  // namespace cr
