// Firehose through libusb: an EdlSession on the virtual RM520N's emulated EDL port, with and
// without zero-length packets (--no-zlp, for host controllers that break on them).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sim/core/model_catalog.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/device/device.hpp"
#include "src/workflows/session/edl_session.hpp"
#include "tests/usb/test_dir.hpp"
#include "tests/usb/usb_harness.hpp"

namespace cr::usbtest {
namespace {

class FirehoseUsbTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!UsbTestbed::under_preload()) GTEST_SKIP() << "run under umockdev-wrapper";
        bed = std::make_unique<UsbTestbed>();
        dir = fresh_test_dir("cr-usb-firehose");
        module = sim::VirtualModule::open(dir / "sim", "rm520n");
        sim::apply_state(*module, "edl", {});
        device = &bed->add_edl(module, "1-1");
        Bytes prog = sim::make_virtual_programmer(
            {module->model().msm_hw_id, module->state().pk_hash_hex, module->model().id},
            64 * 1024);
        options.programmer = dir / "prog_firehose.elf";
        options.programmer_dir = dir / "programmers";
        std::ofstream(*options.programmer, std::ios::binary)
            .write(reinterpret_cast<const char*>(prog.data()),
                   static_cast<std::streamsize>(prog.size()));
    }
    void TearDown() override {
        bed.reset();
        std::filesystem::remove_all(dir);
    }

    // Programs `image` (whole sectors) at the start of `misc` and reads it back.
    Bytes program_and_read_back(const Bytes& image) {
        auto dev = open_real_device({DeviceSpec::Kind::usb_path, "1-1"});
        auto session = EdlSession::open(*dev, options);
        std::uint32_t ss = session->sector_size();
        auto region = session->region(session->partition("misc"), 0, image.size() / ss);
        std::size_t offset = 0;
        session->firehose().program(region, image.size(), [&](std::span<std::uint8_t> out) {
            std::size_t n = std::min(out.size(), image.size() - offset);
            std::copy_n(image.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
            offset += n;
            return n;
        });
        Bytes back;
        session->firehose().read(region,
                                 [&](ByteView b) { back.insert(back.end(), b.begin(), b.end()); });
        return back;
    }
    static Bytes pattern(std::size_t size) {
        Bytes b(size);
        for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + (i >> 12));
        return b;
    }

    std::unique_ptr<UsbTestbed> bed;
    std::filesystem::path dir;
    std::shared_ptr<sim::VirtualModule> module;
    EmulatedDevice* device = nullptr;
    EdlOptions options;
};

// Raw data in whole 512-byte packets: a ZLP-aware host ends each such write with a ZLP.
TEST_F(FirehoseUsbTest, ByDefaultWholePacketWritesEndWithAZlp) {
    Bytes image = pattern(8 * 4096);
    EXPECT_EQ(program_and_read_back(image), image);
    EXPECT_GT(device->stats().out_zlps, 0u);
}

// --no-zlp reaches the USB transport through the session: not one zero-length OUT transfer, and
// the bytes still land (the target learns ZlpAwareHost="0" and counts bytes instead).
TEST_F(FirehoseUsbTest, NoZlpSwitchSendsNoneAndTheDataStillLands) {
    options.zlp = false;
    Bytes image = pattern(8 * 4096);
    EXPECT_EQ(program_and_read_back(image), image);
    auto stats = device->stats();
    EXPECT_EQ(stats.out_zlps, 0u);
    EXPECT_EQ(std::count(stats.out_sizes.begin(), stats.out_sizes.end(), 0u), 0);
}

}  // namespace
}  // namespace cr::usbtest
