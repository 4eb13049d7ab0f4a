// The pcie_mhi path through real syscalls: BhiNode's ioctls on /dev/mhi_BHI, Firehose through
// read/write/poll on /dev/mhi_EDL, DIAG on /dev/mhi_DIAG, against emulated nodes (umockdev).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <filesystem>

#include "protocols/mhi/bhi_client.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/device/device.hpp"
#include "src/util/error.hpp"
#include "src/workflows/session/edl_session.hpp"
#include "tests/pcie/pcie_harness.hpp"

namespace fs = std::filesystem;
using namespace cr;

namespace {

struct Env {
    fs::path root;
    std::shared_ptr<sim::VirtualModule> module;
    Env() {
        std::string t = (fs::temp_directory_path() / "cr-pcie-XXXXXX").string();
        root = ::mkdtemp(t.data());
        module = sim::VirtualModule::open(root / "sim", "rm520n-pcie");
    }
    ~Env() { fs::remove_all(root); }
    fs::path programmer() {
        auto s = module->state();
        Bytes p = sim::make_virtual_programmer(
            {module->model().msm_hw_id, s.pk_hash_hex, module->model().id}, 64 * 1024);
        fs::path f = root / "prog_firehose_lite.elf";
        std::FILE* out = std::fopen(f.c_str(), "wb");
        std::fwrite(p.data(), 1, p.size(), out);
        std::fclose(out);
        return f;
    }
};

}  // namespace

// One process, one testbed (umockdev sets the environment once).
TEST(PcieNodes, BhiIoctlsThenFirehoseOnTheEdlNodeThroughRealSyscalls) {
    if (!pcietest::PcieTestbed::under_preload()) GTEST_SKIP() << "needs umockdev-wrapper";
    pcietest::PcieTestbed bed;
    Env env;
    sim::apply_state(*env.module, "edl", {});
    bed.add_module(env.module);

    auto node = BhiNode::open("/dev/mhi_BHI");
    mhi::BhiClient bhi(*node);
    auto info = bhi.device_info();
    EXPECT_EQ(info.exec_env(), mhi::ExecEnv::edl);
    EXPECT_EQ(info.sernum, env.module->state().serial);
    EXPECT_EQ(info.msm_hw_id(), 0x001990e1u);

    // A 32-bit tool against this (64-bit) driver: refused, nothing loaded.
    Bytes prog;
    {
        fs::path f = env.programmer();
        std::FILE* in = std::fopen(f.c_str(), "rb");
        prog.resize(fs::file_size(f));
        ASSERT_EQ(std::fread(prog.data(), 1, prog.size(), in), prog.size());
        std::fclose(in);
    }
    mhi::BhiClient lp32(*node, mhi::HostLayout::lp32);
    EXPECT_THROW(lp32.load_programmer(prog), ProtocolError);
    EXPECT_FALSE(env.module->state().firehose_running);

    // An errno from the driver arrives as the typed error.
    env.module->update([](sim::ModuleState& s) { s.extra["pcie"]["errno_writeimage"] = EBUSY; });
    EXPECT_THROW(bhi.load_programmer(prog), IoError);
    env.module->update([](sim::ModuleState& s) { s.extra["pcie"].erase("errno_writeimage"); });
    node.reset();

    // The whole EDL session through the real device: BHI upload, mhi_EDL appears, Firehose.
    auto dev = open_device(parse_device_spec("/dev/mhi_BHI"), {});
    EdlOptions o;
    o.programmer = env.programmer();
    o.programmer_dir = env.root / "programmers";
    auto session = EdlSession::open(*dev, o);
    EXPECT_NE(session->how_opened().find("over BHI"), std::string::npos);
    EXPECT_EQ(session->chip().serial, env.module->state().serial);
    EXPECT_NO_THROW(session->partition("efs2"));
    EXPECT_GT(bed.edl_bytes_in(), 0u);

    // A PCIe link reset mid-session: a clear error, no hang.
    bed.vanish();
    EXPECT_THROW(session->firehose().nop(Millis(2000)) ? void() : throw DeviceGoneError("x"),
                 Error);
}
