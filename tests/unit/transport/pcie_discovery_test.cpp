// scan_pcie over a directory of fake nodes: one device per modem, mode from the nodes present.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "src/discovery/discovery.hpp"

namespace fs = std::filesystem;
using namespace cr;

namespace {

struct DevDir {
    fs::path dir;
    DevDir() {
        std::string t = (fs::temp_directory_path() / "cr-pcie-dev-XXXXXX").string();
        dir = ::mkdtemp(t.data());
    }
    ~DevDir() { fs::remove_all(dir); }
    void add(const std::string& name) { std::ofstream(dir / name).put('\0'); }
    discovery::Result scan() {
        discovery::Options o;
        o.usb = false;
        o.dev_dir = dir;
        return discovery::discover(o);
    }
};

}  // namespace

TEST(PcieDiscovery, NormalModeModemIsListedOnceWithItsNodes) {
    DevDir d;
    for (const char* n : {"mhi_BHI", "mhi_DIAG", "mhi_DUN", "ttyS0"}) d.add(n);
    auto r = d.scan();
    ASSERT_EQ(r.devices.size(), 1u);
    const auto& m = r.devices[0];
    EXPECT_EQ(m.kind, discovery::Kind::pcie);
    EXPECT_EQ(m.mode, DeviceMode::normal);
    EXPECT_EQ(m.name, (d.dir / "mhi_DIAG").string());
    EXPECT_EQ(m.ports.size(), 3u);
    ASSERT_NE(m.port("bhi"), nullptr);
}

TEST(PcieDiscovery, OnlyTheBhiNodeMeansEdlWaitingForAProgrammer) {
    DevDir d;
    d.add("mhi_BHI");
    auto r = d.scan();
    ASSERT_EQ(r.devices.size(), 1u);
    EXPECT_EQ(r.devices[0].mode, DeviceMode::edl);
    EXPECT_EQ(r.devices[0].name, (d.dir / "mhi_BHI").string());
    d.add("mhi_EDL");
    r = d.scan();
    EXPECT_EQ(r.devices[0].mode, DeviceMode::edl);
    EXPECT_EQ(r.devices[0].name, (d.dir / "mhi_EDL").string());
}

TEST(PcieDiscovery, UpstreamWwanModemsAreSeparateDevices) {
    DevDir d;
    for (const char* n : {"wwan0qcdm0", "wwan0at0", "wwan1qcdm0", "wwan1at0"}) d.add(n);
    auto r = d.scan();
    ASSERT_EQ(r.devices.size(), 2u);
    for (const auto& m : r.devices) {
        EXPECT_EQ(m.mode, DeviceMode::normal);
        EXPECT_EQ(m.port("bhi"), nullptr);
        EXPECT_NE(m.port("diag"), nullptr);
    }
}
