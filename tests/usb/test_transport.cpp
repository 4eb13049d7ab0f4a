// UsbTransport through real libusb against emulated USB devices (umockdev).
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>

#include "src/transport/usb_transport.hpp"
#include "src/util/error.hpp"
#include "tests/usb/usb_harness.hpp"

namespace cr::usbtest {
namespace {

// Device side of a tiny test protocol: u32 length + payload in, the payload reversed out as
// one message.
void serve_reverse(Transport& port, std::stop_token stop) {
    while (!stop.stop_requested()) {
        Bytes head = read_exact(port, 4, Millis(60000), "length");
        std::uint32_t n =
            head[0] | head[1] << 8 | head[2] << 16 | static_cast<std::uint32_t>(head[3]) << 24;
        Bytes body = read_exact(port, n, Millis(60000), "payload");
        std::reverse(body.begin(), body.end());
        port.write(body, Millis(1000));
    }
}

Bytes pattern(std::size_t n, unsigned seed) {
    Bytes b(n);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& v : b) {
        x = x * 1103515245u + 12345u;
        v = static_cast<std::uint8_t>(x >> 16);
    }
    return b;
}

Bytes framed(const Bytes& payload) {
    // Sized up front: GCC 12 -O2 warns (-Warray-bounds, falsely) on insert into a 4-byte vector.
    std::uint32_t n = static_cast<std::uint32_t>(payload.size());
    Bytes f(4 + payload.size());
    for (int i = 0; i < 4; ++i)
        f[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
    std::copy(payload.begin(), payload.end(), f.begin() + 4);
    return f;
}

class UsbTransportTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!UsbTestbed::under_preload()) GTEST_SKIP() << "run under umockdev-wrapper";
        bed = std::make_unique<UsbTestbed>();
    }
    std::unique_ptr<UsbTestbed> bed;
};

TEST_F(UsbTransportTest, OpensTheOnlyEdlDeviceAndFindsItsEndpoints) {
    EmulatedDevice& dev = bed->add_device(edl_spec(0x1a2b3c4d, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({});
    EXPECT_EQ(usb->usb_path(), "1-1");
    EXPECT_EQ(usb->interface_number(), 0);
    EXPECT_EQ(usb->max_packet_size(), 512);
    EXPECT_EQ(usb->description(), "usb 1-1 (05c6:9008)");
    (void)dev;
}

TEST_F(UsbTransportTest, PicksByPathOrSerialAmongSeveral) {
    bed->add_device(edl_spec(0x11111111, "1-1"), serve_reverse);
    bed->add_device(edl_spec(0x22222222, "1-3", 0x9008, 0x10), serve_reverse);
    bed->add_device(edl_spec(0x33333333, "1-4.2", 0x0122 /* RM551E-style PID */, 0x11),
                    serve_reverse);
    EXPECT_THROW(UsbTransport::open({}), UsageError);
    EXPECT_EQ(UsbTransport::open({.usb_path = "1-3"})->usb_path(), "1-3");
    EXPECT_EQ(UsbTransport::open({.serial = "33333333"})->usb_path(), "1-4.2");
    EXPECT_EQ(UsbTransport::open({.serial = "0x11111111"})->usb_path(), "1-1");
    EXPECT_THROW(UsbTransport::open({.serial = "44444444"}), NotFoundError);
    EXPECT_THROW(UsbTransport::open({.usb_path = "2-1"}), NotFoundError);
}

TEST_F(UsbTransportTest, NotAnEdlInterfaceIsNotOpenedUnlessNamed) {
    UsbDeviceSpec spec = edl_spec(1, "1-2");
    spec.interfaces[0].protocol = 0x30;  // RM500Q DIAG signature, not EDL
    bed->add_device(spec, serve_reverse);
    EXPECT_THROW(UsbTransport::open({}), NotFoundError);
    auto usb = UsbTransport::open({.usb_path = "1-2", .interface_number = 0});
    EXPECT_EQ(usb->interface_number(), 0);
}

TEST_F(UsbTransportTest, LargeAndOddSizedTransfersRoundTrip) {
    bed->add_device(edl_spec(1, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({});
    for (std::size_t n : {std::size_t{1}, std::size_t{511}, std::size_t{512}, std::size_t{513},
                          std::size_t{4096}, std::size_t{(1u << 20) + 3}, std::size_t{3u << 20}}) {
        Bytes payload = pattern(n, static_cast<unsigned>(n));
        usb->write(framed(payload), Millis(10000));
        Bytes back = read_exact(*usb, n, Millis(10000), "echo");
        std::reverse(back.begin(), back.end());
        ASSERT_EQ(back, payload) << n << " bytes";
    }
}

TEST_F(UsbTransportTest, BehavesAsAByteStreamForSmallReads) {
    bed->add_device(edl_spec(1, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({});
    Bytes payload = pattern(5000, 7);
    usb->write(framed(payload), Millis(5000));
    Bytes back;
    while (back.size() < payload.size()) {
        std::uint8_t piece[13];  // smaller than a packet: goes through the internal buffer
        std::size_t n = usb->read(piece, Millis(5000));
        ASSERT_GT(n, 0u);
        back.insert(back.end(), piece, piece + n);
    }
    std::reverse(back.begin(), back.end());
    EXPECT_EQ(back, payload);
}

TEST_F(UsbTransportTest, EndsPacketMultipleWritesWithAZeroLengthPacket) {
    EmulatedDevice& dev = bed->add_device(edl_spec(1, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({});
    Bytes a = framed(pattern(1020, 1));  // 1024 bytes on the wire: 2 packets
    usb->write(a, Millis(5000));
    read_exact(*usb, 1020, Millis(5000), "echo");
    Bytes b = framed(pattern(996, 2));  // 1000 bytes: ends with a short packet
    usb->write(b, Millis(5000));
    read_exact(*usb, 996, Millis(5000), "echo");
    auto sizes = dev.stats().out_sizes;
    EXPECT_EQ(sizes, (std::vector<std::size_t>{1024, 0, 1000}));
    EXPECT_EQ(usb->zlps_sent(), 1u);
}

TEST_F(UsbTransportTest, ChunksHugeWritesAndSendsOneZlpAtTheEnd) {
    EmulatedDevice& dev = bed->add_device(edl_spec(1, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({}, {.transfer_size = 1 << 20});
    Bytes payload = pattern((2u << 20) - 4, 3);  // 2 MiB on the wire
    usb->write(framed(payload), Millis(10000));
    read_exact(*usb, payload.size(), Millis(10000), "echo");
    EXPECT_EQ(dev.stats().out_sizes, (std::vector<std::size_t>{1u << 20, 1u << 20, 0}));
}

TEST_F(UsbTransportTest, ZlpSwitchOffSendsNone) {
    EmulatedDevice& dev = bed->add_device(edl_spec(1, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({}, {.zlp = false});
    usb->write(framed(pattern(508, 4)), Millis(5000));
    read_exact(*usb, 508, Millis(5000), "echo");
    EXPECT_EQ(dev.stats().out_sizes, (std::vector<std::size_t>{512}));
    EXPECT_EQ(dev.stats().out_zlps, 0u);
}

TEST_F(UsbTransportTest, DeviceZlpAfterAFullPacketIsConsumedSilently) {
    bed->add_device(edl_spec(1, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({});
    usb->write(framed(pattern(512, 5)), Millis(5000));
    std::uint8_t buf[512];
    ASSERT_EQ(usb->read(buf, Millis(5000)), 512u);  // fills the buffer: the ZLP comes next
    EXPECT_EQ(usb->read(buf, Millis(100)), 0u);     // ZLP eaten, then a timeout
    usb->write(framed(pattern(3, 6)), Millis(5000));
    EXPECT_EQ(usb->read(buf, Millis(5000)), 3u);
}

TEST_F(UsbTransportTest, ReadReturnsZeroOnTimeout) {
    bed->add_device(edl_spec(1, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({});
    std::uint8_t buf[64];
    EXPECT_EQ(usb->read(buf, Millis(50)), 0u);
    EXPECT_EQ(usb->read(buf, Millis(1)), 0u);
    // Still usable after timeouts (the cancelled URBs were reaped).
    usb->write(framed(pattern(10, 8)), Millis(5000));
    EXPECT_EQ(read_exact(*usb, 10, Millis(5000), "echo").size(), 10u);
}

TEST_F(UsbTransportTest, UnplugDuringAReadIsDeviceGoneNotAHang) {
    EmulatedDevice& dev = bed->add_device(edl_spec(1, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({});
    auto reader = std::async(std::launch::async, [&] {
        std::uint8_t buf[4096];
        usb->read(buf, Millis(30000));
    });
    std::this_thread::sleep_for(Millis(200));
    bed->unplug(dev);
    ASSERT_EQ(reader.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    try {
        reader.get();
        ADD_FAILURE() << "read returned after unplug";
    } catch (const DeviceGoneError& e) {
        EXPECT_FALSE(e.device_state().empty());
        EXPECT_NE(e.next_step().find("cellrescue devices"), std::string::npos);
    }
    EXPECT_THROW(usb->write(Bytes{1, 2, 3}, Millis(1000)), DeviceGoneError);
}

TEST_F(UsbTransportTest, UnplugBeforeAWriteIsDeviceGone) {
    EmulatedDevice& dev = bed->add_device(edl_spec(1, "1-1"), serve_reverse);
    auto usb = UsbTransport::open({});
    bed->unplug(dev);
    EXPECT_THROW(usb->write(pattern(4096, 9), Millis(2000)), DeviceGoneError);
}

}  // namespace
}  // namespace cr::usbtest
