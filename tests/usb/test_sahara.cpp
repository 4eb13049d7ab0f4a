// Sahara end to end through libusb: our host client <-> UsbTransport <-> emulated USB <->
// the virtual module's Sahara target.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "protocols/sahara/sahara_client.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/device/device.hpp"
#include "src/transport/usb_transport.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "tests/usb/test_dir.hpp"
#include "tests/usb/usb_harness.hpp"

namespace cr::usbtest {
namespace {

class SaharaUsbTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!UsbTestbed::under_preload()) GTEST_SKIP() << "run under umockdev-wrapper";
        bed = std::make_unique<UsbTestbed>();
        dir = fresh_test_dir("cr-usb-sahara");
    }
    void TearDown() override {
        bed.reset();
        std::filesystem::remove_all(dir);
    }
    std::shared_ptr<sim::VirtualModule> module(const std::string& id, const std::string& state) {
        auto m = sim::VirtualModule::open(dir, id);
        sim::apply_state(*m, state, {});
        return m;
    }
    static Bytes programmer_for(const sim::VirtualModule& m, std::size_t size) {
        return sim::make_virtual_programmer(
            {m.model().msm_hw_id, m.state().pk_hash_hex, m.model().id}, size);
    }
    std::unique_ptr<UsbTestbed> bed;
    std::filesystem::path dir;
};

TEST_F(SaharaUsbTest, UploadsAProgrammerByteExact) {
    auto m = module("rm520n", "edl");
    bed->add_edl(m, "1-1");
    auto usb = UsbTransport::open({});
    sahara::Client client(*usb);
    client.wait_hello();
    Bytes prog = programmer_for(*m, 1 << 20);
    auto result = client.upload_image(prog);
    EXPECT_EQ(result.image_size, prog.size());
    auto s = m->state();
    EXPECT_TRUE(s.firehose_running);
    EXPECT_EQ(s.extra["sahara"]["last_programmer_sha256"], sha256_hex(prog));
}

TEST_F(SaharaUsbTest, ReadsChipIdentityThroughTheDeviceLayer) {
    auto m = module("ec25", "edl");
    bed->add_edl(m, "1-3");
    auto dev = open_real_device({DeviceSpec::Kind::usb_path, "1-3"});
    ASSERT_EQ(dev->mode(), DeviceMode::edl);
    auto port = dev->open_edl();
    sahara::Client client(*port);
    client.wait_hello();
    auto id = client.read_identity();
    ASSERT_TRUE(id.serial.has_value());
    EXPECT_EQ(*id.serial, m->state().serial);
    ASSERT_TRUE(id.msm_hw_id().has_value());
    EXPECT_EQ(*id.msm_hw_id(), 0x000480e1u);
}

TEST_F(SaharaUsbTest, CrashDumpMemoryTableThroughLibusb) {
    auto m = module("ec25", "crashdump");
    bed->add_edl(m, "1-1");
    auto usb = UsbTransport::open({});
    sahara::Client client(*usb);
    client.wait_hello();
    auto regions = client.read_memory_table();
    ASSERT_FALSE(regions.empty());
    std::uint64_t got = 0;
    client.read_region(regions[0].base, std::min<std::uint64_t>(regions[0].length, 4096),
                       [&](ByteView b) { got += b.size(); });
    EXPECT_EQ(got, std::min<std::uint64_t>(regions[0].length, 4096));
    client.reset();
}

TEST_F(SaharaUsbTest, UnplugDuringUploadIsDeviceGone) {
    auto m = module("rm520n", "edl");
    EmulatedDevice& dev = bed->add_edl(m, "1-1");
    auto usb = UsbTransport::open({});
    sahara::Client client(*usb);
    client.wait_hello();
    Bytes prog = programmer_for(*m, 1 << 20);
    int reads = 0;
    sahara::ImageSource src;
    src.size = prog.size();
    src.read = [&](std::uint64_t off, std::span<std::uint8_t> out) {
        if (++reads == 2) bed->unplug(dev);  // the cable is pulled mid-upload
        std::copy_n(prog.begin() + static_cast<std::ptrdiff_t>(off), out.size(), out.begin());
    };
    EXPECT_THROW(client.upload_image(src), DeviceGoneError);
    EXPECT_FALSE(m->state().firehose_running);
}

}  // namespace
}  // namespace cr::usbtest
