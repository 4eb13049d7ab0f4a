// open_port_path: what the file is decides the transport, links are followed, every tty is raw
// with bounded reads whatever termios it was left in, and stale bytes are dropped.
#include "src/transport/port_open.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "src/transport/serial_transport.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/util/error.hpp"

namespace cr {
namespace {

namespace fs = std::filesystem;

// A pty whose slave is reachable through a /dev/serial/by-id style link in a temp directory,
// and whose termios is left as another program would leave it.
struct LinkedPty {
    enum class Left { sane, vmin0 };
    int master = -1;
    int slave = -1;  // kept open: a pty with no slave open hangs its master up
    std::string node;
    fs::path dir;
    fs::path link;

    explicit LinkedPty(Left left) {
        char name[64] = {};
        if (::openpty(&master, &slave, name, nullptr, nullptr) != 0)
            throw std::runtime_error("openpty");
        node = name;
        char tmpl[] = "/tmp/cr-by-id-XXXXXX";
        dir = ::mkdtemp(tmpl);
        fs::create_directories(dir / "by-id");
        link = dir / "by-id" / "usb-Quectel_RM520N-GL_a1b2c3d4-if00-port0";
        fs::create_symlink(node, link);
        termios t{};
        ::tcgetattr(slave, &t);
        if (left == Left::sane) {  // what `stty sane` leaves: canonical, echo, CR/LF mapping
            t.c_iflag |= ICRNL | IXON | BRKINT;
            t.c_oflag |= OPOST | ONLCR;
            t.c_lflag |= ICANON | ECHO | ECHOE | ISIG | IEXTEN;
        } else {  // raw but VMIN=0 VTIME=0: a plain read() returns 0 at once when idle
            ::cfmakeraw(&t);
            t.c_cc[VMIN] = 0;
            t.c_cc[VTIME] = 0;
        }
        ::tcsetattr(slave, TCSANOW, &t);
    }
    ~LinkedPty() {
        if (master >= 0) ::close(master);
        if (slave >= 0) ::close(slave);
        fs::remove_all(dir);
    }
    Bytes read_master(std::size_t n) {
        Bytes got;
        while (got.size() < n) {
            std::uint8_t b[512];
            ssize_t r = ::read(master, b, std::min(sizeof b, n - got.size()));
            if (r <= 0) break;
            got.insert(got.end(), b, b + r);
        }
        return got;
    }
};

Bytes all_bytes() {
    Bytes all(256);
    for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);  // CR, LF, 7E, XON...
    return all;
}

class PortOpen : public ::testing::TestWithParam<LinkedPty::Left> {};

TEST_P(PortOpen, AByIdLinkToAPtyIsARawTerminalWithBoundedReads) {
    LinkedPty pty(GetParam());
    EXPECT_EQ(resolve_port_path(pty.link.string()), pty.node);
    auto port = open_port_path(pty.link.string());
    ASSERT_NE(dynamic_cast<SerialTransport*>(port.get()), nullptr) << port->description();
    EXPECT_NE(port->description().find(pty.node), std::string::npos) << port->description();
    termios t{};
    ::tcgetattr(pty.master, &t);
    EXPECT_FALSE(t.c_lflag & (ICANON | ECHO));
    EXPECT_FALSE(t.c_iflag & (ICRNL | IXON));
    EXPECT_FALSE(t.c_oflag & OPOST);

    std::uint8_t b[16];
    EXPECT_EQ(port->read(b, Millis(50)), 0u);  // idle: a timeout, not "closed the connection"
    Bytes all = all_bytes();
    port->write(all, Millis(2000));
    EXPECT_EQ(pty.read_master(all.size()), all);  // nothing translated or echoed
    ASSERT_EQ(::write(pty.master, all.data(), all.size()), 256);
    EXPECT_EQ(read_exact(*port, 256, Millis(2000), "bytes"), all);
}

INSTANTIATE_TEST_SUITE_P(LeftByAnotherProgram, PortOpen,
                         ::testing::Values(LinkedPty::Left::sane, LinkedPty::Left::vmin0),
                         [](const auto& info) {
                             return info.param == LinkedPty::Left::sane ? "stty_sane" : "vmin0";
                         });

TEST(PortOpenStale, BytesLeftOnTheLineByAnAbortedCommandAreDropped) {
    LinkedPty pty(LinkedPty::Left::vmin0);
    // An answer still arriving after the port was opened (flush alone misses it).
    std::jthread late([&] {
        std::this_thread::sleep_for(Millis(5));
        ::write(pty.master, "stale reply", 11);
    });
    ASSERT_EQ(::write(pty.master, "old", 3), 3);  // already queued: flushed at open
    PortOpenOptions o;
    o.quiet = Millis(200);  // generous: the late writer may be scheduled late on a busy host
    auto port = open_port_path(pty.link.string(), o);
    late.join();
    std::uint8_t b[32];
    EXPECT_EQ(port->read(b, Millis(50)), 0u);
    ASSERT_EQ(::write(pty.master, "fresh", 5), 5);
    ASSERT_EQ(port->read(b, Millis(1000)), 5u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(b), 5), "fresh");
}

TEST(PortOpenStale, DrainIsBoundedOnAPortThatNeverGoesQuiet) {
    LinkedPty pty(LinkedPty::Left::vmin0);
    std::atomic<bool> stop{false};
    std::jthread chatter([&] {
        while (!stop) {
            ::write(pty.master, "log", 3);
            std::this_thread::sleep_for(Millis(2));
        }
    });
    auto start = std::chrono::steady_clock::now();
    PortOpenOptions o;
    o.max = Millis(200);
    auto port = open_port_path(pty.link.string(), o);
    auto took = std::chrono::steady_clock::now() - start;
    stop = true;
    EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(PortOpenErrors, ALinkThatPointsNowhereNamesBothEnds) {
    char tmpl[] = "/tmp/cr-by-id-XXXXXX";
    fs::path dir = ::mkdtemp(tmpl);
    fs::path link = dir / "usb-Quectel_EC25-if02-port0";
    fs::create_symlink("/dev/ttyUSB-gone-42", link);
    try {
        open_port_path(link.string());
        ADD_FAILURE() << "a dangling link opened";
    } catch (const NotFoundError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find(link.string()), std::string::npos) << what;
        EXPECT_NE(what.find("/dev/ttyUSB-gone-42"), std::string::npos) << what;
        EXPECT_FALSE(e.device_state().empty());
        EXPECT_NE(e.next_step().find("cellrescue devices"), std::string::npos);
    }
    EXPECT_THROW(open_port_path((dir / "missing").string()), NotFoundError);
    fs::remove_all(dir);
}

TEST(PortOpenKinds, ACharDeviceThatIsNotATtyStaysAByteStream) {
    // /dev/null is a char device without a tty driver, like /dev/mhi_DIAG or /dev/wwan0qcdm0.
    PortOpenOptions o;
    o.drain = false;
    auto port = open_port_path("/dev/null", o);
    EXPECT_NE(dynamic_cast<StreamTransport*>(port.get()), nullptr);
    int fd = ::open("/dev/null", O_RDWR);
    EXPECT_EQ(port_kind(fd), PortKind::stream);
    ::close(fd);
    LinkedPty pty(LinkedPty::Left::sane);
    EXPECT_EQ(port_kind(pty.slave), PortKind::terminal);
}

}  // namespace
}  // namespace cr
