// Discovery and the real Device layer against several emulated USB devices at once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>

#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "src/device/device.hpp"
#include "src/discovery/discovery.hpp"
#include "src/util/error.hpp"
#include "tests/usb/test_dir.hpp"
#include "tests/usb/usb_harness.hpp"

namespace cr::usbtest {
namespace {

class DiscoveryUsbTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!UsbTestbed::under_preload()) GTEST_SKIP() << "run under umockdev-wrapper";
        bed = std::make_unique<UsbTestbed>();
        dir = fresh_test_dir("cr-usb-disc");
    }
    void TearDown() override {
        bed.reset();
        std::filesystem::remove_all(dir);
    }
    std::shared_ptr<sim::VirtualModule> module(const std::string& id, const std::string& state) {
        auto m = sim::VirtualModule::open(dir, id);
        if (!state.empty()) sim::apply_state(*m, state, {});
        return m;
    }
    static discovery::Result scan() {
        discovery::Options opt;
        opt.dev_dir = "";
        return discovery::discover(opt);
    }
    std::unique_ptr<UsbTestbed> bed;
    std::filesystem::path dir;
};

TEST_F(DiscoveryUsbTest, FindsEdlNormalAndCrashModeDevicesAtOnce) {
    auto rm520n = module("rm520n", "edl");
    auto ec25 = module("ec25", "");
    auto rm500q = module("rm500q", "crashdump");
    auto sara = module("sara-r412m", "");
    bed->add_edl(rm520n, "1-1");
    bed->add_module(ec25, "1-2", 0);
    bed->add_edl(rm500q, "1-3");
    bed->add_module(sara, "1-4.2", 4);

    auto r = scan();
    ASSERT_EQ(r.devices.size(), 4u) << (r.notes.empty() ? "" : r.notes[0]);
    const auto& edl = r.devices[0];
    EXPECT_EQ(edl.name, "usb:1-1");
    EXPECT_EQ(edl.kind, discovery::Kind::usb_edl);
    EXPECT_EQ(edl.mode, DeviceMode::edl);
    EXPECT_EQ(edl.pid, 0x9008);
    EXPECT_EQ(edl.speed, "high (480 Mbit/s)");
    EXPECT_EQ(edl.serial, fmt::format("{:08X}", rm520n->state().serial));
    ASSERT_NE(edl.port("edl"), nullptr);

    const auto& q = r.devices[1];
    EXPECT_EQ(q.kind, discovery::Kind::usb_module);
    EXPECT_EQ(q.mode, DeviceMode::normal);
    EXPECT_EQ(q.vid, 0x2c7c);
    ASSERT_NE(q.port("diag"), nullptr);
    EXPECT_EQ(q.port("diag")->path, "/dev/ttyUSB0");
    EXPECT_EQ(q.port("nmea")->path, "/dev/ttyUSB1");
    EXPECT_EQ(q.port("at")->path, "/dev/ttyUSB2");
    EXPECT_EQ(q.port("at")->interface_number, 2);
    EXPECT_EQ(q.port("modem")->path, "/dev/ttyUSB3");

    const auto& crash = r.devices[2];
    EXPECT_EQ(crash.mode, DeviceMode::crashdump);
    EXPECT_EQ(crash.pid, 0x900e);

    const auto& s = r.devices[3];
    EXPECT_EQ(s.name, "usb:1-4.2");
    EXPECT_EQ(s.vid, 0x05c6);
    EXPECT_EQ(s.pid, 0x90b2);
    ASSERT_NE(s.port("diag"), nullptr);
    EXPECT_EQ(s.port("diag")->path, "/dev/ttyUSB4");
    ASSERT_NE(s.port("at"), nullptr);

    auto j = discovery::to_json(q);
    EXPECT_EQ(j["ports"][0]["role"], "diag");
}

TEST_F(DiscoveryUsbTest, UnpluggedDeviceDisappears) {
    auto rm520n = module("rm520n", "edl");
    auto ec25 = module("ec25", "");
    EmulatedDevice& e = bed->add_edl(rm520n, "1-1");
    bed->add_module(ec25, "1-2", 0);
    ASSERT_EQ(scan().devices.size(), 2u);
    bed->unplug(e);
    auto r = scan();
    ASSERT_EQ(r.devices.size(), 1u);
    EXPECT_EQ(r.devices[0].usb_path, "1-2");
}

TEST_F(DiscoveryUsbTest, DeviceOpensPortsAndFollowsReEnumeration) {
    auto ec25 = module("ec25", "");
    EmulatedDevice& normal = bed->add_module(ec25, "1-1", 0);
    auto dev = open_real_device({DeviceSpec::Kind::usb_path, "1-1"});
    EXPECT_EQ(dev->mode(), DeviceMode::normal);
    EXPECT_EQ(dev->open_at()->description(), "/dev/ttyUSB2");
    EXPECT_EQ(dev->open_diag()->description(), "/dev/ttyUSB0");
    EXPECT_THROW(dev->open_edl(), NotFoundError);
    EXPECT_THROW(dev->wait_for_mode(DeviceMode::edl, Millis(300)), TimeoutError);

    // The module switches to EDL: it leaves the bus and comes back on the same port.
    bed->unplug(normal);
    EXPECT_EQ(dev->mode(), DeviceMode::absent);
    sim::apply_state(*ec25, "edl", {});
    bed->add_edl(ec25, "1-1");
    dev->wait_for_mode(DeviceMode::edl, Millis(5000));
    EXPECT_THROW(dev->open_diag(), NotFoundError);
    auto edl = dev->open_edl();
    EXPECT_EQ(edl->description(), "usb 1-1 (05c6:9008)");
}

TEST_F(DiscoveryUsbTest, SpecBySerialAndAmbiguity) {
    auto a = module("rm520n", "edl");
    auto b = module("rm520n#2", "edl");
    bed->add_edl(a, "1-1");
    bed->add_edl(b, "1-2");
    EXPECT_THROW(open_real_device({}), UsageError);
    auto dev =
        open_real_device({DeviceSpec::Kind::serial, fmt::format("{:08x}", b->state().serial)});
    EXPECT_EQ(dev->name(), "usb:1-2");
}

}  // namespace
}  // namespace cr::usbtest
