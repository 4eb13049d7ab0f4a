// The virtual UART link: bytes take their wire time (10 bits a byte) and no more than a little
// scheduling slack; reads keep the Transport contract (a zero timeout still looks once).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "sim/ublox/paced_transport.hpp"
#include "src/transport/stream_transport.hpp"

using namespace cr;
using Clock = std::chrono::steady_clock;

namespace {

double read_all_seconds(Transport& paced, std::size_t total) {
    Bytes buf(4096);
    std::size_t got = 0;
    auto t0 = Clock::now();
    while (got < total) {
        std::size_t n = paced.read(buf, Millis(1000));
        if (n == 0) break;
        got += n;
    }
    EXPECT_EQ(got, total);
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

TEST(PacedTransport, ReadsTakeTheLineTimeOfTheBytes) {
    auto [host, module] = make_socket_pair("paced");
    sim::ublox::PacedTransport paced(*module, 115200);
    const std::size_t total = 5760;  // 0.5 s at 115200 baud, 10 bits a byte
    host->write(Bytes(total, 0x55), Millis(1000));
    double s = read_all_seconds(paced, total);
    EXPECT_GE(s, 0.5 * 0.99);
    EXPECT_LT(s, 0.5 * 1.5);  // generous: only pacing, no extra per-read delay
}

TEST(PacedTransport, WritesTakeTheLineTimeToo) {
    auto [host, module] = make_socket_pair("paced");
    sim::ublox::PacedTransport paced(*module, 57600);
    auto t0 = Clock::now();
    for (int i = 0; i < 6; ++i) paced.write(Bytes(480, 0xaa), Millis(1000));  // 2880 bytes
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    EXPECT_GE(s, 0.5 * 0.99);  // each write waits until its bytes are on the wire
    EXPECT_LT(s, 0.5 * 1.5);
}

TEST(PacedTransport, ZeroTimeoutStillReturnsBytesThatArePresent) {
    auto [host, module] = make_socket_pair("paced");
    sim::ublox::PacedTransport paced(*module, 3000000);
    host->write(Bytes{1, 2, 3}, Millis(1000));
    Bytes buf(16);
    std::size_t n = 0;
    for (int i = 0; i < 1000 && n == 0; ++i) n = paced.read(buf, Millis(0));
    EXPECT_EQ(n, 3u);
}

TEST(PacedTransport, SilenceTimesOutWithinTheBound) {
    auto [host, module] = make_socket_pair("paced");
    sim::ublox::PacedTransport paced(*module, 921600);
    paced.write(Bytes{'C'}, Millis(1000));  // the line was just active: it listens actively
    Bytes buf(16);
    auto t0 = Clock::now();
    EXPECT_EQ(paced.read(buf, Millis(50)), 0u);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    EXPECT_GE(s, 0.045);
    EXPECT_LT(s, 0.5);
}

TEST(PacedTransport, AReaderThatTakesABlockInPiecesDoesNotStretchTheLine) {
    auto [host, module] = make_socket_pair("paced");
    sim::ublox::PacedTransport paced(*module, 115200);
    const std::size_t total = 2880;  // 0.25 s at 115200 baud, 45 pieces of 64 bytes (5.6 ms)
    host->write(Bytes(total, 0x55), Millis(1000));
    Bytes piece(64);
    std::size_t got = 0;
    auto t0 = Clock::now();
    while (got < total) {
        std::size_t n = paced.read(piece, Millis(1000));
        ASSERT_GT(n, 0u);
        got += n;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the reader is busy
    }
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    // The bytes arrived together: the line delivers them in 0.25 s whatever the reader does.
    // Restarting the line at each read would take 45 x (5.6 + 2) ms = 0.34 s.
    EXPECT_GE(s, 0.25 * 0.99);
    EXPECT_LT(s, 0.25 * 1.15);
}

TEST(PacedTransport, BytesTakenButNotReadAreHandedBack) {
    auto [host, module] = make_socket_pair("paced");
    sim::ublox::PacedTransport paced(*module, 3000000);
    host->write(Bytes{'E', 'O', 'T', 'A', 'T', '\r'}, Millis(1000));
    Bytes buf(3);
    std::size_t n = 0;
    for (int i = 0; i < 1000 && n == 0; ++i) n = paced.read(buf, Millis(10));
    ASSERT_EQ(n, 3u);
    EXPECT_EQ(paced.take_unread(), (Bytes{'A', 'T', '\r'}));
    EXPECT_EQ(paced.take_unread(), Bytes{});
}
