#include "src/transport/serial_transport.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "src/transport/port_open.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr {
namespace {

constexpr const char* kGoneState =
    "the port disappeared (module unplugged, reset or switched mode)";
constexpr const char* kGoneNext =
    "run `cellrescue devices` to see where the module came back and repeat the command";

// Rates termios knows by name; anything else goes through termios2/BOTHER.
speed_t standard_speed(unsigned rate) {
    static constexpr std::pair<unsigned, speed_t> table[] = {
        {1200, B1200},       {2400, B2400},       {4800, B4800},       {9600, B9600},
        {19200, B19200},     {38400, B38400},     {57600, B57600},     {115200, B115200},
        {230400, B230400},   {460800, B460800},   {500000, B500000},   {576000, B576000},
        {921600, B921600},   {1000000, B1000000}, {1152000, B1152000}, {1500000, B1500000},
        {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000}, {3500000, B3500000},
        {4000000, B4000000},
    };
    for (auto [r, s] : table)
        if (r == rate) return s;
    return B0;
}

bool wait_ready(int fd, short events, Millis timeout, const std::string& what) {
    pollfd p{fd, events, 0};
    for (;;) {
        int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw IoError(fmt::format("{}: poll failed: {}", what, std::strerror(errno)));
        if (r > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) && !(p.revents & events))
            throw DeviceGoneError(fmt::format("{} hung up", what), kGoneState, kGoneNext);
        return r > 0;
    }
}

}  // namespace

std::unique_ptr<SerialTransport> SerialTransport::open(const std::string& path,
                                                       const SerialOptions& options) {
    int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw_port_open_error(path, errno);
    return adopt(fd, path, options);
}

std::unique_ptr<SerialTransport> SerialTransport::adopt(int fd, const std::string& description,
                                                        const SerialOptions& options) {
    if (options.exclusive) {
        // TIOCEXCL keeps other openers out (root bypasses it); flock also catches a second
        // cooperating tool (another cellrescue, minicom with locking) even when run as root.
        if (::ioctl(fd, TIOCEXCL) != 0)
            spdlog::debug("{}: TIOCEXCL failed: {}", description, std::strerror(errno));
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
            ::close(fd);
            throw_port_open_error(description, EBUSY);
        }
    }
    return std::make_unique<SerialTransport>(fd, description, options);
}

SerialTransport::SerialTransport(int fd, std::string description, const SerialOptions& options)
    : fd_(fd), description_(std::move(description)) {
    int flags = ::fcntl(fd_, F_GETFL);
    if (flags >= 0) ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
    try {
        configure_raw();
        set_baud(options.baud);
        if (options.flush_on_open) flush();
    } catch (...) {
        close();
        throw;
    }
}

SerialTransport::~SerialTransport() {
    close();
}

void SerialTransport::close() {
    if (fd_ >= 0) {
        ::ioctl(fd_, TIOCNXCL);
        ::close(fd_);
    }
    fd_ = -1;
}

void SerialTransport::configure_raw() {
    termios t{};
    if (::tcgetattr(fd_, &t) != 0)
        throw IoError(
            fmt::format("{} is not a serial port: {}", description_, std::strerror(errno)), {},
            "name a tty (e.g. /dev/ttyUSB2) or a char device path");
    ::cfmakeraw(&t);  // 8 data bits, no parity, no echo, no CR/LF or XON/XOFF processing
    t.c_cflag &= ~(PARENB | CSTOPB | CSIZE | CRTSCTS);
    t.c_cflag |= CS8 | CLOCAL | CREAD;
    t.c_iflag &= ~(IXON | IXOFF | IXANY);
    // VMIN 1 + O_NONBLOCK: no data reads EAGAIN, and a read of 0 really means hang-up.
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (::tcsetattr(fd_, TCSANOW, &t) != 0)
        throw IoError(
            fmt::format("{}: cannot set raw mode: {}", description_, std::strerror(errno)));
}

void SerialTransport::set_baud(unsigned rate) {
    if (fd_ < 0) throw DeviceGoneError(fmt::format("{} is closed", description_));
    if (rate == 0) throw UsageError("a baud rate of 0 is not a rate");
    drain();
    speed_t s = standard_speed(rate);
    bool ok = false;
    if (s != B0) {
        termios t{};
        ok = ::tcgetattr(fd_, &t) == 0 && ::cfsetspeed(&t, s) == 0 &&
             ::tcsetattr(fd_, TCSANOW, &t) == 0;
    } else {
        ok = set_custom_baud(fd_, rate);
    }
    if (!ok)
        throw UsageError(
            fmt::format("{} refuses {} baud: {}", description_, rate, std::strerror(errno)),
            "the port keeps its previous rate",
            "use a rate the adapter supports (115200, 921600, 3000000...)");
    baud_ = rate;
    spdlog::debug("{}: {} baud, raw 8N1", description_, rate);
}

void SerialTransport::flush() {
    if (fd_ >= 0) ::tcflush(fd_, TCIOFLUSH);
}

void SerialTransport::drain() {
    if (fd_ >= 0) ::tcdrain(fd_);
}

void SerialTransport::write(ByteView data, Millis timeout) {
    if (fd_ < 0)
        throw DeviceGoneError(fmt::format("{} is closed", description_), kGoneState, kGoneNext);
    spdlog::trace("{} TX {} bytes: {}", description_, data.size(),
                  to_hex(data.first(std::min<std::size_t>(data.size(), 64)), " "));
    Deadline deadline(timeout);
    while (!data.empty()) {
        ssize_t n = ::write(fd_, data.data(), data.size());
        if (n > 0) {
            data = data.subspan(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN)
            throw DeviceGoneError(
                fmt::format("{} went away while writing: {}", description_, std::strerror(errno)),
                kGoneState, kGoneNext);
        if (!wait_ready(fd_, POLLOUT, deadline.remaining(), description_) && deadline.expired())
            throw TimeoutError(
                fmt::format("{} did not take data for {} ms ({} bytes left)", description_,
                            timeout.count(), data.size()),
                "the port is open but output is stuck (flow control, or a wedged adapter)",
                "re-plug the adapter or module and retry");
    }
}

std::size_t SerialTransport::read(std::span<std::uint8_t> buf, Millis timeout) {
    if (fd_ < 0)
        throw DeviceGoneError(fmt::format("{} is closed", description_), kGoneState, kGoneNext);
    if (buf.empty()) return 0;
    Deadline deadline(timeout);
    for (;;) {
        ssize_t n = ::read(fd_, buf.data(), buf.size());
        if (n > 0) {
            spdlog::trace("{} RX {} bytes: {}", description_, n,
                          to_hex(ByteView(buf.data(), std::min<std::size_t>(n, 64)), " "));
            return static_cast<std::size_t>(n);
        }
        if (n == 0)  // a tty in raw non-blocking mode reads 0 only after hang-up
            throw DeviceGoneError(fmt::format("{} hung up", description_), kGoneState, kGoneNext);
        if (errno == EINTR) continue;
        if (errno != EAGAIN)
            throw DeviceGoneError(
                fmt::format("{} went away while reading: {}", description_, std::strerror(errno)),
                kGoneState, kGoneNext);
        if (deadline.expired()) return 0;
        if (!wait_ready(fd_, POLLIN, deadline.remaining(), description_)) return 0;
    }
}

}  // namespace cr
