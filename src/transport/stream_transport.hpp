// Transport over a file descriptor: socketpair, pty, pipe pair, or a char device such as
// /dev/mhi_EDL or /dev/wwan0qcdm0. Waits with poll(); never blocks past a timeout.
#pragma once
#include <string>
#include <utility>

#include "src/transport/transport.hpp"

namespace cr {

class StreamTransport : public Transport {
public:
    // Takes ownership of the descriptors (read_fd may equal write_fd).
    StreamTransport(int read_fd, int write_fd, std::string description);
    // Opens a path read/write (char devices, FIFOs); throws NotFoundError/IoError.
    static std::unique_ptr<StreamTransport> open_path(const std::string& path);
    ~StreamTransport() override;

    void write(ByteView data, Millis timeout) override;
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override;
    std::size_t max_transfer_size() const override { return 1 << 20; }
    void close() override;
    std::string description() const override { return description_; }

    // Shuts the write direction so the peer reads EOF (sockets only; no-op otherwise).
    void shutdown_write();

private:
    int read_fd_;
    int write_fd_;
    std::string description_;
};

// A connected pair over socketpair(AF_UNIX, SOCK_STREAM): host side first, device side second.
std::pair<std::unique_ptr<StreamTransport>, std::unique_ptr<StreamTransport>> make_socket_pair(
    const std::string& description);

}  // namespace cr
