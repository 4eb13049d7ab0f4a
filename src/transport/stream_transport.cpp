#include "src/transport/stream_transport.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/util/error.hpp"

namespace cr {
namespace {

void set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Waits until fd is ready for `events`; false on timeout. Hang-up counts as ready (the
// following read/write then reports it).
bool wait_ready(int fd, short events, Millis timeout) {
    pollfd p{fd, events, 0};
    for (;;) {
        int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw IoError(fmt::format("poll failed: {}", std::strerror(errno)));
        return r > 0;
    }
}

}  // namespace

StreamTransport::StreamTransport(int read_fd, int write_fd, std::string description)
    : read_fd_(read_fd), write_fd_(write_fd), description_(std::move(description)) {
    set_nonblocking(read_fd_);
    if (write_fd_ != read_fd_) set_nonblocking(write_fd_);
}

std::unique_ptr<StreamTransport> StreamTransport::open_path(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) throw NotFoundError(fmt::format("{} does not exist", path));
        throw IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)), {},
                      errno == EACCES ? "install the udev rules (see udev/README.md) or run as root"
                                      : "");
    }
    return std::make_unique<StreamTransport>(fd, fd, path);
}

StreamTransport::~StreamTransport() { close(); }

void StreamTransport::close() {
    if (read_fd_ >= 0) ::close(read_fd_);
    if (write_fd_ >= 0 && write_fd_ != read_fd_) ::close(write_fd_);
    read_fd_ = write_fd_ = -1;
}

void StreamTransport::shutdown_write() {
    if (write_fd_ >= 0) ::shutdown(write_fd_, SHUT_WR);
}

void StreamTransport::write(ByteView data, Millis timeout) {
    if (write_fd_ < 0) throw DeviceGoneError(fmt::format("{} is closed", description_));
    Deadline deadline(timeout);
    while (!data.empty()) {
        ssize_t n = ::send(write_fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK) n = ::write(write_fd_, data.data(), data.size());
        if (n > 0) {
            data = data.subspan(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN)
            throw DeviceGoneError(
                fmt::format("{} went away while writing: {}", description_, std::strerror(errno)));
        if (!wait_ready(write_fd_, POLLOUT, deadline.remaining()) && deadline.expired())
            throw TimeoutError(fmt::format("{} did not accept data for {} ms ({} bytes left)",
                                           description_, timeout.count(), data.size()));
    }
}

std::size_t StreamTransport::read(std::span<std::uint8_t> buf, Millis timeout) {
    if (read_fd_ < 0) throw DeviceGoneError(fmt::format("{} is closed", description_));
    Deadline deadline(timeout);
    for (;;) {
        ssize_t n = ::read(read_fd_, buf.data(), buf.size());
        if (n > 0) return static_cast<std::size_t>(n);
        if (n == 0 && !buf.empty())
            throw DeviceGoneError(fmt::format("{} closed the connection", description_));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EIO)  // pty whose other side closed
            throw DeviceGoneError(fmt::format("{} hung up", description_));
        if (n < 0 && errno != EAGAIN)
            throw DeviceGoneError(
                fmt::format("{} went away while reading: {}", description_, std::strerror(errno)));
        if (deadline.expired()) return 0;
        if (!wait_ready(read_fd_, POLLIN, deadline.remaining())) return 0;
    }
}

std::pair<std::unique_ptr<StreamTransport>, std::unique_ptr<StreamTransport>> make_socket_pair(
    const std::string& description) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        throw IoError(fmt::format("socketpair failed: {}", std::strerror(errno)));
    // Large buffers keep 1 MiB writes from ping-ponging between threads.
    int size = 4 << 20;
    for (int fd : fds) {
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    return {std::make_unique<StreamTransport>(fds[0], fds[0], description),
            std::make_unique<StreamTransport>(fds[1], fds[1], description + " (device side)")};
}

}  // namespace cr
