// Discovery's pure rules: port roles by interface number, PCIe node names, mode by VID/PID.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "src/discovery/discovery.hpp"
#include "src/util/error.hpp"

namespace cr::discovery {
namespace {

TEST(DiscoveryRules, QuectelInterfaceLayout) {
    EXPECT_EQ(interface_role(0x2c7c, 0x0125, 0, 0xff, 0xff, 0xff), "diag");
    EXPECT_EQ(interface_role(0x2c7c, 0x0125, 1, 0xff, 0x00, 0x00), "nmea");
    EXPECT_EQ(interface_role(0x2c7c, 0x0125, 2, 0xff, 0x00, 0x00), "at");
    EXPECT_EQ(interface_role(0x2c7c, 0x0125, 3, 0xff, 0x00, 0x00), "modem");
    EXPECT_EQ(interface_role(0x2c7c, 0x0125, 4, 0xff, 0xff, 0xff), "qmi");
    EXPECT_EQ(interface_role(0x2c7c, 0x0801, 0, 0xff, 0xff, 0x30), "diag");
    EXPECT_EQ(interface_role(0x2c7c, 0x0801, 4, 0xff, 0xff, 0xff), "rmnet");
}

TEST(DiscoveryRules, Rm520nLaptopVariantHasDiagOnIf3) {
    EXPECT_EQ(interface_role(0x2c7c, 0x0803, 3, 0xff, 0xff, 0x30), "diag");
    EXPECT_NE(interface_role(0x2c7c, 0x0803, 0, 0xff, 0xff, 0x30), "diag");
}

TEST(DiscoveryRules, UbloxLayouts) {
    EXPECT_EQ(interface_role(0x05c6, 0x90b2, 0, 0xff, 0xff, 0xff), "diag");
    EXPECT_EQ(interface_role(0x05c6, 0x90b2, 2, 0xff, 0x00, 0x00), "at");
    EXPECT_EQ(interface_role(0x1546, 0x01a9, 0, 0x02, 0x02, 0x01), "at");
    EXPECT_TRUE(is_known_module(0x05c6, 0x90b2));
    EXPECT_TRUE(is_known_module(0x1546, 0x1141));
    EXPECT_TRUE(is_known_module(0x2c7c, 0x0801));
    EXPECT_FALSE(is_known_module(0x05c6, 0x9008));
    EXPECT_FALSE(is_known_module(0x1d6b, 0x0002));
}

TEST(DiscoveryRules, EdlOrCrashDump) {
    EXPECT_EQ(edl_mode_of(0x05c6, 0x9008), DeviceMode::edl);
    EXPECT_EQ(edl_mode_of(0x2c7c, 0x0122), DeviceMode::edl);
    EXPECT_EQ(edl_mode_of(0x05c6, 0x900e), DeviceMode::crashdump);
    EXPECT_EQ(edl_mode_of(0x2c7c, 0x0800), DeviceMode::crashdump);
}

TEST(DiscoveryRules, PcieCharDevices) {
    EXPECT_EQ(char_device_role("mhi_DIAG"), "diag");
    EXPECT_EQ(char_device_role("mhi_EDL"), "edl");
    EXPECT_EQ(char_device_role("mhi_BHI"), "bhi");
    EXPECT_EQ(char_device_role("wwan0qcdm0"), "diag");
    EXPECT_EQ(char_device_role("wwan0firehose0"), "edl");
    EXPECT_EQ(char_device_role("wwan0at0"), "at");
    EXPECT_EQ(char_device_role("ttyS0"), "");
}

TEST(DiscoveryRules, SpeedText) {
    EXPECT_EQ(speed_text("480"), "high (480 Mbit/s)");
    EXPECT_EQ(speed_text("5000"), "super (5 Gbit/s)");
    EXPECT_EQ(speed_text(""), "");
}

TEST(DiscoveryRules, FindOneNamesTheChoiceOrExplains) {
    Result r;
    FoundDevice a;
    a.name = "usb:1-1";
    a.usb_path = "1-1";
    a.serial = "1A2B3C4D";
    FoundDevice b;
    b.name = "usb:1-2";
    b.usb_path = "1-2";
    b.kind = Kind::usb_module;
    b.ports.push_back({"at", "/dev/ttyUSB2", 2});
    r.devices = {a, b};
    EXPECT_EQ(find_one(r, {DeviceSpec::Kind::usb_path, "1-2"}).name, "usb:1-2");
    EXPECT_EQ(find_one(r, {DeviceSpec::Kind::serial, "1a2b3c4d"}).name, "usb:1-1");
    EXPECT_EQ(find_one(r, {DeviceSpec::Kind::path, "/dev/ttyUSB2"}).name, "usb:1-2");
    EXPECT_THROW(find_one(r, {DeviceSpec::Kind::any, ""}), UsageError);
    try {
        find_one(r, {DeviceSpec::Kind::usb_path, "3-1"});
        ADD_FAILURE();
    } catch (const NotFoundError& e) {
        EXPECT_NE(e.next_step().find("ModemManager"), std::string::npos);
        EXPECT_NE(e.next_step().find("udev"), std::string::npos);
    }
}

TEST(DiscoveryRules, PcieScanGroupsNodesIntoOneModem) {
    auto dir = std::filesystem::temp_directory_path() / ("cr-pcie-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (const char* n : {"mhi_DIAG", "mhi_BHI", "ttyS0"}) std::ofstream(dir / n).put('x');
    Options opt;
    opt.usb = false;
    opt.dev_dir = dir;
    auto r = discover(opt);
    ASSERT_EQ(r.devices.size(), 1u);
    EXPECT_EQ(r.devices[0].kind, Kind::pcie);
    EXPECT_EQ(r.devices[0].mode, DeviceMode::normal);
    EXPECT_EQ(r.devices[0].name, (dir / "mhi_DIAG").string());
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cr::discovery
