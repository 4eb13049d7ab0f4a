// EdlSession on a virtual device: Sahara upload, configure, partition map; then reuse.
#include <gtest/gtest.h>

#include <filesystem>

#include "sim/core/virtual_module.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/device/sim_device.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"
#include "src/workflows/session/edl_session.hpp"

namespace cr {
namespace {

namespace fs = std::filesystem;

TEST(EdlSession, UploadsConfiguresMapsAndIsReusedOnUfs) {
    fs::path dir = fs::temp_directory_path() / ("cr_edl_session_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto module = sim::VirtualModule::open(dir / "sim", "rm520n");
    module->update([](sim::ModuleState& s) {
        s.mode = sim::Mode::edl;
        s.firehose_running = false;
    });
    fs::path prog = dir / "prog_firehose_lite.elf";
    write_file_atomically(prog,
                          sim::make_virtual_programmer(
                              {module->model().msm_hw_id, module->state().pk_hash_hex, "rm520n"},
                              sim::kDefaultProgrammerSize));
    SimDevice device(module);
    EdlOptions options;
    options.programmer_dir = dir / "programmers";
    {
        EdlOptions no_programmer = options;
        EXPECT_THROW(EdlSession::open(device, no_programmer), NotFoundError);
    }
    module->update([](sim::ModuleState& s) { s.firehose_running = false; });
    options.programmer = prog;
    {
        auto session = EdlSession::open(device, options);
        EXPECT_EQ(session->memory(), firehose::MemoryType::ufs);
        EXPECT_EQ(session->chip().msm_hw_id, 0x001990e1u);
        EXPECT_EQ(session->payload(), 1u << 20);
        EXPECT_EQ(session->partition("modem").num_sectors, 65536u);
        EXPECT_THROW(session->partition("nosuch"), NotFoundError);
        EXPECT_EQ(session->region(session->partition("efs2")).bytes(), 2560u * 4096);
    }
    {
        EdlOptions reuse;  // no programmer needed: the programmer still runs
        reuse.programmer_dir = dir / "programmers";
        auto session = EdlSession::open(device, reuse);
        EXPECT_NE(session->how_opened().find("reused"), std::string::npos);
        EXPECT_TRUE(session->partitions().find("efs2")->calibration);
        session->reset();
    }
    EXPECT_EQ(module->state().mode, sim::Mode::normal);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace cr
