// SerialTransport over openpty: the master is "the module", the slave is the app's tty.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <thread>

#include "src/transport/serial_transport.hpp"
#include "src/util/error.hpp"

namespace cr {
namespace {

struct Pty {
    int master = -1;
    int slave = -1;
    std::string name;
    Pty() {
        char buf[64] = {};
        if (::openpty(&master, &slave, buf, nullptr, nullptr) != 0)
            throw std::runtime_error("openpty");
        name = buf;
    }
    ~Pty() {
        if (master >= 0) ::close(master);
        if (slave >= 0) ::close(slave);
    }
    speed_t master_speed() const {
        termios t{};
        ::tcgetattr(master, &t);
        return ::cfgetospeed(&t);
    }
};

// qemu-user (the arm64/armhf test runs) does not carry line rates above 38400 through its
// termios translation, so a pty there cannot show what the transport set. Probed with plain
// tcsetattr, none of our code: on a real kernel this never skips.
bool kernel_keeps_high_rates() {
    Pty probe;
    termios t{};
    ::tcgetattr(probe.slave, &t);
    ::cfsetspeed(&t, B921600);
    ::tcsetattr(probe.slave, TCSANOW, &t);
    return probe.master_speed() == B921600;
}
#define SKIP_UNLESS_RATES_ARE_KEPT()                                                   \
    if (!kernel_keeps_high_rates())                                                    \
    GTEST_SKIP() << "this (emulated) kernel drops termios rates above 38400: nothing " \
                    "to observe"

TEST(SerialTransport, ConfiguresRaw8N1AtTheRequestedRate) {
    SKIP_UNLESS_RATES_ARE_KEPT();
    Pty pty;
    SerialTransport port(pty.slave, pty.name, {.baud = 921600});
    pty.slave = -1;  // owned by the transport now
    EXPECT_EQ(pty.master_speed(), B921600);
    termios t{};
    ::tcgetattr(pty.master, &t);
    EXPECT_FALSE(t.c_lflag & ICANON);
    EXPECT_FALSE(t.c_lflag & ECHO);
    EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
    EXPECT_FALSE(t.c_cflag & PARENB);
    EXPECT_FALSE(t.c_cflag & CSTOPB);
    EXPECT_FALSE(t.c_iflag & (IXON | ICRNL));
    EXPECT_EQ(port.baud(), 921600u);
}

TEST(SerialTransport, FollowsTheModuleToANewRate) {
    SKIP_UNLESS_RATES_ARE_KEPT();
    Pty pty;
    SerialTransport port(pty.slave, pty.name, {.baud = 115200});
    pty.slave = -1;
    EXPECT_EQ(pty.master_speed(), B115200);
    port.set_baud(3000000);
    EXPECT_EQ(pty.master_speed(), B3000000);
    port.set_baud(921600);
    EXPECT_EQ(pty.master_speed(), B921600);
}

TEST(SerialTransport, NonStandardRateGoesThroughTermios2) {
    SKIP_UNLESS_RATES_ARE_KEPT();
    Pty pty;
    SerialTransport port(pty.slave, pty.name, {.baud = 115200});
    pty.slave = -1;
    port.set_baud(1234567);
    unsigned rate = 0;
    ASSERT_TRUE(get_custom_baud(port.fd(), &rate));
    EXPECT_EQ(rate, 1234567u);
    EXPECT_EQ(port.baud(), 1234567u);
}

TEST(SerialTransport, MovesBinaryBytesUntouchedBothWays) {
    Pty pty;
    SerialTransport port(pty.slave, pty.name, {.baud = 3000000});
    pty.slave = -1;
    Bytes all(256);
    for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);  // CR, LF, XON, XOFF...
    port.write(all, Millis(2000));
    Bytes got;
    while (got.size() < all.size()) {
        std::uint8_t b[512];
        ssize_t n = ::read(pty.master, b, sizeof b);
        ASSERT_GT(n, 0);
        got.insert(got.end(), b, b + n);
    }
    EXPECT_EQ(got, all);
    ASSERT_EQ(::write(pty.master, all.data(), all.size()), 256);
    Bytes back = read_exact(port, 256, Millis(2000), "echo");
    EXPECT_EQ(back, all);
}

TEST(SerialTransport, ReadTimesOutWithZero) {
    Pty pty;
    SerialTransport port(pty.slave, pty.name);
    pty.slave = -1;
    std::uint8_t b[16];
    EXPECT_EQ(port.read(b, Millis(50)), 0u);
}

TEST(SerialTransport, HangUpIsDeviceGone) {
    Pty pty;
    SerialTransport port(pty.slave, pty.name);
    pty.slave = -1;
    ::close(pty.master);
    pty.master = -1;
    std::uint8_t b[16];
    EXPECT_THROW(port.read(b, Millis(500)), DeviceGoneError);
}

TEST(SerialTransport, FlushDropsStaleInput) {
    Pty pty;
    SerialTransport port(pty.slave, pty.name);
    pty.slave = -1;
    ASSERT_EQ(::write(pty.master, "stale", 5), 5);
    std::this_thread::sleep_for(Millis(20));
    port.flush();
    std::uint8_t b[16];
    EXPECT_EQ(port.read(b, Millis(50)), 0u);
}

TEST(SerialTransport, OpenIsExclusive) {
    Pty pty;
    auto port = SerialTransport::open(pty.name);
    try {
        SerialTransport::open(pty.name);
        ADD_FAILURE() << "second open succeeded";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("busy"), std::string::npos);
        EXPECT_NE(e.next_step().find("ModemManager"), std::string::npos);
    }
}

TEST(SerialTransport, MissingPortIsNotFoundWithAHint) {
    try {
        SerialTransport::open("/dev/ttyUSB-does-not-exist");
        ADD_FAILURE();
    } catch (const NotFoundError& e) {
        EXPECT_NE(e.next_step().find("cellrescue devices"), std::string::npos);
    }
}

TEST(SerialTransport, NotATtyIsAClearError) {
    EXPECT_THROW(SerialTransport::open("/dev/null"), IoError);
}

}  // namespace
}  // namespace cr
