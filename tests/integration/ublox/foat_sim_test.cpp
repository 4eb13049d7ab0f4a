// FOAT against the virtual u-blox modules, in process (SimDevice over socketpairs).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "protocols/at/at_channel.hpp"
#include "sim/ublox/ublox_package.hpp"
#include "sim/ublox/ublox_state.hpp"
#include "src/device/sim_device.hpp"
#include "src/util/error.hpp"
#include "src/workflows/foat/foat.hpp"

using namespace cr;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

class FoatSim : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("cr_foat_" +
                std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
                std::to_string(getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::unique_ptr<SimDevice> module(const std::string& id, const std::string& firmware = {},
                                      double scale = 0.001) {
        auto m = sim::VirtualModule::open(dir_ / "sim", id);
        m->update([&](sim::ModuleState& s) {
            if (!firmware.empty()) s.firmware = firmware;
            auto u = sim::ublox::load(s);
            u.time_scale = scale;
            sim::ublox::store(s, u);
        });
        return std::make_unique<SimDevice>(m);
    }

    fs::path package(const std::string& model, const std::string& version,
                     const std::string& from = "*", int flip = -1) {
        Bytes p = sim::ublox::make_package({model, version, from, 20000});
        if (flip >= 0) p[static_cast<std::size_t>(flip) % p.size()] ^= 0x5A;
        if (flip == -2) p.back() ^= 0x5A;  // inside the signature
        fs::path f = dir_ / (model + version + std::to_string(flip) + ".bin");
        std::ofstream(f, std::ios::binary)
            .write(reinterpret_cast<const char*>(p.data()), static_cast<long>(p.size()));
        return f;
    }

    workflows::FoatOptions options(const fs::path& pkg) {
        workflows::FoatOptions o;
        o.package = pkg;
        o.install_timeout = 60s;
        o.poll_interval = 50ms;
        return o;
    }

    fs::path dir_;
};

std::string firmware_of(SimDevice& d) {
    return d.module().state().firmware;
}

}  // namespace

TEST_F(FoatSim, SaraR5UfwupdUpdatesAndReportsBothVersions) {
    auto dev = module("sara-r5");
    auto o = options(package("sara-r5", "02.08,A00.02", "02.06,A00.01"));
    std::vector<std::string> phases;
    o.progress = [&](const ProgressEvent& e) {
        if (phases.empty() || phases.back() != e.phase) phases.push_back(e.phase);
    };
    auto r = workflows::run_foat(*dev, o);
    EXPECT_EQ(r.ati9_before, "02.06,A00.01");
    EXPECT_EQ(r.ati9_after, "02.08,A00.02");
    EXPECT_EQ(r.result_code, 128);
    EXPECT_TRUE(r.updated);
    EXPECT_EQ(firmware_of(*dev), "02.08,A00.02");
    EXPECT_EQ(phases, (std::vector<std::string>{"transfer", "validation", "installation"}));
}

TEST_F(FoatSim, SaraR4UfwupdWithBaudSwitchAndTimeScaledInstall) {
    auto dev = module("sara-r412m", "L0.0.00.00.05.12,A.02.19");
    auto o = options(package("sara-r412m", "L0.0.00.00.05.13,A.02.21"));
    o.baud = 921600;
    auto r = workflows::run_foat(*dev, o);
    EXPECT_EQ(r.ati9_before, "L0.0.00.00.05.12,A.02.19");
    EXPECT_EQ(r.ati9_after, "L0.0.00.00.05.13,A.02.21");
    EXPECT_EQ(r.result_code, 128);
    // The rate went back to the default for the reboot.
    EXPECT_EQ(sim::ublox::load(dev->module().state()).baud, 115200u);
}

TEST_F(FoatSim, LenaUdwnfileDeletesStalePackageFirst) {
    auto dev = module("lena-r8");
    {
        auto port = dev->open_at();
        at::AtChannel ch(*port);
        ch.open();
        auto r = ch.command_with_data("AT+UDWNFILE=\"updatePackage.bin\",5,\"FOAT\"",
                                      as_bytes("stale"), 5000ms, 5000ms);
        ASSERT_TRUE(r.ok());
        // A second method now overlaps: the module refuses it.
        ch.send_command("AT+UFWUPD=1,115200");
        auto l = ch.wait_line([](const std::string& s) { return s.starts_with("+CME"); }, 5000ms);
        ASSERT_TRUE(l);
        EXPECT_NE(l->find("FOTA memory is in use"), std::string::npos);
    }
    auto o = options(package("lena-r8", "02.05,A00.02"));
    o.method = workflows::FoatMethod::udwnfile;
    auto r = workflows::run_foat(*dev, o);
    EXPECT_TRUE(r.updated);
    EXPECT_EQ(r.ati9_after, "02.05,A00.02");
    bool warned = false;
    for (const auto& w : r.warnings) warned |= w.find("stale") != std::string::npos;
    EXPECT_TRUE(warned);
}

TEST_F(FoatSim, UfwupdRefusedWhileFoatFileStored) {
    auto dev = module("sara-r5");
    {
        auto port = dev->open_at();
        at::AtChannel ch(*port);
        ASSERT_TRUE(ch.command_with_data("AT+UDWNFILE=\"updatePackage.bin\",3,\"FOAT\"",
                                         as_bytes("abc"), 5000ms, 5000ms)
                        .ok());
    }
    try {
        workflows::run_foat(*dev, options(package("sara-r5", "02.08,A00.02")));
        FAIL() << "not refused";
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("FOTA memory"), std::string::npos) << e.what();
    }
}

TEST_F(FoatSim, EngineeringFirmwareRefusedNothingSent) {
    auto dev = module("sara-r412m");
    try {
        workflows::run_foat(*dev, options(package("sara-r412m", "L0.0.00.00.05.12,A.02.19")));
        FAIL() << "not refused";
    } catch (const SafetyError& e) {
        EXPECT_NE(std::string(e.what()).find("full flash"), std::string::npos);
    }
    EXPECT_EQ(firmware_of(*dev), "M0.00.00 [Oct 08 2020 15:00:01]");
}

TEST_F(FoatSim, CorruptPackageReports148AndKeepsFirmware) {
    auto dev = module("sara-r5");
    try {
        workflows::run_foat(*dev, options(package("sara-r5", "02.08,A00.02", "*", 5000)));
        FAIL() << "no error";
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("148"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.device_state()).find("update mode"), std::string::npos);
    }
    EXPECT_EQ(firmware_of(*dev), "02.06,A00.01");
}

TEST_F(FoatSim, BadSignatureReports173ViaUdwnfile) {
    auto dev = module("sara-r5");
    auto o = options(package("sara-r5", "02.08,A00.02", "*", -2));  // flip the last byte
    o.method = workflows::FoatMethod::udwnfile;
    try {
        workflows::run_foat(*dev, o);
        FAIL() << "no error";
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("173"), std::string::npos) << e.what();
    }
    EXPECT_EQ(firmware_of(*dev), "02.06,A00.01");
}

TEST_F(FoatSim, R4HandshakeWindowClosesWithError1) {
    auto dev = module("sara-r412m", "L0.0.00.00.05.12,A.02.19");
    auto port = dev->open_at();
    at::AtChannel ch(*port);
    ch.open();
    ch.send_command("AT+UFWUPD=3");
    EXPECT_TRUE(ch.wait_line([](const std::string& l) { return l == "+UFWUPD: ONGOING"; }, 5s));
    // Nobody sends: 3 'C' and 10 NAK (scaled) later the module gives up and keeps its firmware.
    EXPECT_TRUE(ch.wait_line([](const std::string& l) { return l.ends_with("ERROR1"); }, 20s));
    ch.resync();
    EXPECT_TRUE(ch.command("AT").ok());
    EXPECT_EQ(firmware_of(*dev), "L0.0.00.00.05.12,A.02.19");
}

TEST_F(FoatSim, PowerLossDuringInstallThenRecoveryFromUpdateMode) {
    auto dev = module("sara-r412m", "L0.0.00.00.05.12,A.02.19");
    // An R4 install is running (its port is gone) when the power goes.
    dev->module().update([](sim::ModuleState& s) {
        auto u = sim::ublox::load(s);
        u.install_until_ms = sim::ublox::now_ms() + 3600 * 1000;
        u.update_mode = true;  // what `cellrescue sim ublox --power-loss` records
        u.install_until_ms = 0;
        sim::ublox::store(s, u);
    });
    auto o = options(package("sara-r412m", "L0.0.00.00.05.13,A.02.21"));
    auto r = workflows::run_foat(*dev, o);
    EXPECT_TRUE(r.updated);
    EXPECT_EQ(r.ati9_after, "L0.0.00.00.05.13,A.02.21");
    EXPECT_FALSE(sim::ublox::load(dev->module().state()).update_mode);
}

TEST_F(FoatSim, ModuleThatNeverComesBackIsABoundedTimeout) {
    auto dev = module("sara-r412m", "L0.0.00.00.05.12,A.02.19", 1.0);  // a real 21 min install
    auto o = options(package("sara-r412m", "L0.0.00.00.05.13,A.02.21"));
    o.install_timeout = 1500ms;
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_THROW(workflows::run_foat(*dev, o), TimeoutError);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 60s);
}
