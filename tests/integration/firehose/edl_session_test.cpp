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

// RM520N (SDX62) is a NAND module: the session picks NAND for its chip and maps the MIBIB.
TEST(EdlSession, UploadsConfiguresMapsAndIsReusedOnRm520nNand) {
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
        EXPECT_EQ(session->memory(), firehose::MemoryType::nand);
        EXPECT_EQ(session->chip().msm_hw_id, 0x001990e1u);
        EXPECT_EQ(session->payload(), 1u << 20);
        EXPECT_EQ(session->pages_per_block(), 64u);
        EXPECT_EQ(session->partitions().source, "mibib");
        EXPECT_EQ(session->partition("modem").num_sectors, 40960u);
        EXPECT_THROW(session->partition("nosuch"), NotFoundError);
        EXPECT_EQ(session->region(session->partition("efs2")).bytes(), 2816u * 4096);
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

// A six-LUN UFS: the map holds every LUN's GPT, so the calibration on LUN 4 and the boot chain
// on LUN 1/2 are found by name with their LUN.
TEST(EdlSession, MapsTheGptOfEveryUfsLun) {
    fs::path dir = fs::temp_directory_path() / ("cr_edl_session_ufs_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto module = sim::VirtualModule::open(dir / "sim", "qcs6490-ufs");
    module->update([](sim::ModuleState& s) {
        s.mode = sim::Mode::edl;
        s.firehose_running = false;
    });
    fs::path prog = dir / "prog_firehose_ddr.elf";
    write_file_atomically(
        prog, sim::make_virtual_programmer(
                  {module->model().msm_hw_id, module->state().pk_hash_hex, "qcs6490-ufs"},
                  sim::kDefaultProgrammerSize));
    SimDevice device(module);
    EdlOptions options;
    options.programmer_dir = dir / "programmers";
    options.programmer = prog;
    {
        auto session = EdlSession::open(device, options);
        EXPECT_EQ(session->memory(), firehose::MemoryType::ufs);
        EXPECT_EQ(session->partitions().source, "gpt");
        EXPECT_EQ(session->partition("userdata").lun, 0u);
        EXPECT_EQ(session->partition("xbl_a").lun, 1u);
        EXPECT_EQ(session->partition("xbl_b").lun, 2u);
        const auto& st1 = session->partition("modemst1");
        EXPECT_EQ(st1.lun, 4u);
        EXPECT_EQ(st1.start_sector, 8198u);
        EXPECT_TRUE(st1.calibration);
        EXPECT_TRUE(session->partition("fsg").calibration);
        EXPECT_EQ(session->region(st1).physical_partition, 4u);
    }
    fs::remove_all(dir);
}

}  // namespace
}  // namespace cr
