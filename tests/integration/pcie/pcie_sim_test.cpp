// The PCIe path through sim:rm520n-pcie (no kernel): DIAG switch, BHI identity and programmer
// load, Firehose on the EDL node; and the BHI faults. The same BHI emulation is reached through
// real ioctl(2) in tests/pcie.
#include <fmt/format.h>

#include <cerrno>

#include "protocols/mhi/bhi_client.hpp"
#include "sim/pcie/bhi_target.hpp"
#include "src/util/error.hpp"
#include "tests/integration/flash/flash_fixture.hpp"

using namespace cr;
using namespace cr::workflows;
using crtest::FlashFixture;
namespace fs = std::filesystem;

namespace {

class PcieSim : public FlashFixture {
  protected:
    std::shared_ptr<sim::VirtualModule> edl_module() { return module("rm520n-pcie"); }
    void set_fault(sim::VirtualModule& m, const std::string& key, nlohmann::json value) {
        m.update([&](sim::ModuleState& s) { s.extra["pcie"][key] = std::move(value); });
    }
    EdlOptions edl_options() {
        EdlOptions o;
        for (const auto& f : fs::directory_iterator(pkg_dir / "update" / "firehose"))
            if (f.path().filename().string().rfind("prog", 0) == 0) o.programmer = f.path();
        o.programmer_dir = root / "programmers";
        return o;
    }
};

}  // namespace

TEST_F(PcieSim, NormalToEdlFlashedVerifiedAndBackToNormal) {
    auto m = sim::VirtualModule::open(sim_dir, "rm520n-pcie");
    sim::apply_state(*m, "normal", {});
    auto dev = device("rm520n-pcie");
    ASSERT_NE(dev->open_bhi(), nullptr);
    EXPECT_EQ(mhi::BhiClient(*dev->open_bhi()).device_info().exec_env(), mhi::ExecEnv::amss);
    auto pkg = make_package("rm520n-pcie", false, pkg_dir);
    FlashReport report = flash_package(*dev, options(pkg));
    EXPECT_EQ(m->state().extra["pcie"]["uploads"], 1);  // the programmer went over BHI
    EXPECT_FALSE(m->state().extra.contains("sahara"));  // and never over Sahara
    {
        auto s = session(*dev);  // reuses the running programmer on the EDL node
        EXPECT_EQ(s->how_opened(), "reused a running Firehose programmer");
        expect_package_bytes(*s, report.plan);
        s->reset();
    }
    dev->wait_for_mode(DeviceMode::normal, Millis(5000));
    EXPECT_EQ(mhi::BhiClient(*dev->open_bhi()).device_info().exec_env(), mhi::ExecEnv::amss);
}

TEST_F(PcieSim, InfoComesFromGetDevInfo) {
    auto m = edl_module();
    make_package("rm520n-pcie", false, pkg_dir);
    auto dev = device("rm520n-pcie");
    auto s = EdlSession::open(*dev, edl_options());
    EXPECT_EQ(s->chip().serial, m->state().serial);
    EXPECT_EQ(s->chip().msm_hw_id, 0x001990e1u);
    EXPECT_EQ(s->chip().pk_hash_hex, m->state().pk_hash_hex);
    EXPECT_NE(s->how_opened().find("over BHI"), std::string::npos);
    EXPECT_EQ(s->memory(), firehose::MemoryType::nand);  // RM520N: NAND, like every RM5xx
}

TEST_F(PcieSim, WrongExecutionEnvironmentSendsNothing) {
    auto m = edl_module();
    make_package("rm520n-pcie", false, pkg_dir);
    auto dev = device("rm520n-pcie");
    for (auto [ee, name] : {std::pair{1, "SBL"}, {2, "AMSS"}, {3, "RDDM"}}) {
        set_fault(*m, "ee", ee);
        try {
            EdlSession::open(*dev, edl_options());
            FAIL() << "opened in EE " << ee;
        } catch (const ProtocolError& e) {
            EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
            EXPECT_NE(e.device_state().find("nothing was sent"), std::string::npos);
            EXPECT_FALSE(e.next_step().empty());
        }
    }
    EXPECT_FALSE(m->state().extra["pcie"].contains("uploads"));
}

TEST_F(PcieSim, EachDriverErrnoIsATypedErrorWithStateAndNextStep) {
    auto m = edl_module();
    make_package("rm520n-pcie", false, pkg_dir);
    auto dev = device("rm520n-pcie");
    auto expect_kind = [&](const char* key, int err, ErrorKind kind) {
        m->update([&](sim::ModuleState& s) { s.extra["pcie"] = {{key, err}}; });
        try {
            EdlSession::open(*dev, edl_options());
            ADD_FAILURE() << key << " errno " << err << " did not fail";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), kind) << key << " " << err << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find("IOCTL_BHI_"), std::string::npos) << e.what();
            EXPECT_FALSE(e.next_step().empty()) << e.what();
        }
    };
    for (const char* key : {"errno_getdevinfo", "errno_writeimage"}) {
        expect_kind(key, ENODEV, ErrorKind::device_gone);
        expect_kind(key, EBUSY, ErrorKind::io);
        expect_kind(key, EINVAL, ErrorKind::protocol);
        expect_kind(key, EIO, ErrorKind::protocol);
        expect_kind(key, ETIMEDOUT, ErrorKind::protocol);
        expect_kind(key, ENOTTY, ErrorKind::usage);
        expect_kind(key, EFAULT, ErrorKind::io);
    }
}

TEST_F(PcieSim, ProgrammerThePblRejectsIsReportedFromTheBhiStatus) {
    auto m = edl_module();
    make_package("rm520n", false, pkg_dir);  // the USB variant's key: another PK hash
    auto dev = device("rm520n-pcie");
    try {
        EdlSession::open(*dev, edl_options());
        FAIL() << "a foreign programmer was accepted";
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("rejected the programmer"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("0xd"), std::string::npos) << e.what();
        EXPECT_NE(e.device_state().find("still waiting"), std::string::npos);
    }
    EXPECT_FALSE(m->state().firehose_running);
}

TEST_F(PcieSim, EdlNodeNeverAppearingIsABoundedTimeout) {
    auto m = edl_module();
    make_package("rm520n-pcie", false, pkg_dir);
    set_fault(*m, "edl_never_appears", true);
    auto dev = device("rm520n-pcie");
    auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(EdlSession::open(*dev, edl_options()), TimeoutError);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST_F(PcieSim, AThirtyTwoBitHostAgainstASixtyFourBitDriverIsRefusedClearly) {
    auto m = edl_module();
    make_package("rm520n-pcie", false, pkg_dir);
    auto dev = device("rm520n-pcie");
    auto bhi = dev->open_bhi();
    mhi::BhiClient client(*bhi, mhi::HostLayout::lp32);  // the emulated driver is 64-bit
    Bytes prog = FlashFixture::file_bytes(*edl_options().programmer);
    try {
        client.load_programmer(prog);
        FAIL() << "a 4-byte size prefix was taken by a 64-bit driver";
    } catch (const ProtocolError& e) {
        EXPECT_NE(e.next_step().find("32-bit"), std::string::npos) << e.next_step();
    }
    EXPECT_FALSE(m->state().firehose_running);
    mhi::BhiClient native(*bhi);
    native.load_programmer(prog);
    EXPECT_TRUE(m->state().firehose_running);
}
