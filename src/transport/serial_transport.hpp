// Transport over a tty (termios): a module's DIAG/AT/NMEA port (/dev/ttyUSB*, /dev/ttyACM*),
// a UART adapter for u-blox FOAT, or a pty in tests.
//
// Contract (on top of Transport's):
// - The line is raw 8N1, no flow control, no echo, no CR/LF translation: binary-safe (HDLC,
//   XMODEM). Any rate: the standard B* rates through termios and anything else (e.g. 1234567)
//   through termios2/BOTHER.
// - open() takes the port exclusively (TIOCEXCL) so ModemManager or a second tool cannot
//   interleave; EBUSY/EACCES become IoError saying who probably holds it and how to check.
// - write() sends everything (bounded by the timeout, TimeoutError otherwise); read() returns
//   0 on timeout; hang-up (unplug, module reset) throws DeviceGoneError.
// - Not thread-safe: one thread per transport.
#pragma once
#include <memory>
#include <string>

#include "src/transport/transport.hpp"

namespace cr {

struct SerialOptions {
    unsigned baud = 115200;
    bool exclusive = true;      // TIOCEXCL after open
    bool flush_on_open = true;  // drop stale bytes a previous session left in the buffers
};

class SerialTransport : public Transport {
  public:
    // Opens and configures `path`. Throws NotFoundError (no such port: re-run
    // `cellrescue devices`), IoError (EBUSY: held by ModemManager/another program; EACCES:
    // udev permissions), UsageError (rate the driver refuses).
    static std::unique_ptr<SerialTransport> open(const std::string& path,
                                                 const SerialOptions& options = {});
    // Takes an fd the caller opened (O_RDWR | O_NOCTTY) on `description`, claims it like open()
    // (options.exclusive) and configures it; closes the fd and throws on failure.
    static std::unique_ptr<SerialTransport> adopt(int fd, const std::string& description,
                                                  const SerialOptions& options = {});
    // Adopts an already open tty fd (tests: the slave of openpty) and configures it.
    SerialTransport(int fd, std::string description, const SerialOptions& options = {});
    ~SerialTransport() override;
    SerialTransport(const SerialTransport&) = delete;
    SerialTransport& operator=(const SerialTransport&) = delete;

    void write(ByteView data, Millis timeout) override;
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override;
    std::size_t max_transfer_size() const override { return 64 * 1024; }
    void close() override;
    std::string description() const override { return description_; }

    // Switches the line rate (follow a module to a new rate, e.g. after AT+IPR). Pending output
    // is drained first (bounded) so the last command still goes out at the old rate.
    void set_baud(unsigned rate);
    unsigned baud() const { return baud_; }
    // Discards unread input and unsent output.
    void flush();
    // Waits until queued output left the UART (bounded by tcdrain; ptys return at once).
    void drain();
    int fd() const { return fd_; }

  private:
    void configure_raw();
    int fd_ = -1;
    std::string description_;
    unsigned baud_ = 0;
};

// termios2/BOTHER helpers (own translation unit: <asm/termbits.h> cannot meet <termios.h>).
// Both return false when the driver refuses (errno kept).
bool set_custom_baud(int fd, unsigned rate);
bool get_custom_baud(int fd, unsigned* rate);

}  // namespace cr
