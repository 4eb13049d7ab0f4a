// Packages shaped like real ones (fixtures in tests/fixtures/packages, images generated here):
// an MSM8916 eMMC build and a QCS6490 UFS build with sparse + unsparse sets and several LUNs.
#include <gtest/gtest.h>

#include <fstream>

#include "src/package/flash_plan.hpp"
#include "src/package/package.hpp"
#include "src/package/rawprogram.hpp"
#include "tests/unit/package/test_util.hpp"

namespace fs = std::filesystem;
using namespace cr;
using namespace cr::package;

namespace {

// Copies a fixture and writes a deterministic image for every file its XMLs name.
fs::path materialise(const std::string& name, const fs::path& into) {
    fs::path src = fs::path(CR_SOURCE_DIR) / "tests" / "fixtures" / "packages" / name;
    fs::copy(src, into, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(into)) {
        if (e.path().extension() != ".xml" || e.path().filename().string().rfind("raw", 0) != 0)
            continue;
        for (const auto& op : parse_rawprogram(crtest::slurp(e.path()), "x")) {
            if (op.filename.empty()) continue;
            std::string f = op.filename;
            std::replace(f.begin(), f.end(), '\\', '/');
            fs::path out = e.path().parent_path() / f;
            std::uint64_t size = std::min<std::uint64_t>(op.num_sectors * op.sector_size, 12345);
            std::string bytes(size ? size : 512, '\0');
            for (std::size_t i = 0; i < bytes.size(); ++i)
                bytes[i] = static_cast<char>((i * 131 + f.size()) & 0xFF);
            crtest::spit(out, bytes);
        }
        crtest::spit(e.path().parent_path() / "prog_firehose_ddr.elf", std::string(4096, 'P'));
    }
    return into;
}

const FlashStep* step(const FlashPlan& plan, const std::string& label) {
    for (const auto& s : plan.steps)
        if (s.op.label == label) return &s;
    return nullptr;
}

}  // namespace

TEST(RealShapes, Msm8916EmmcPackageGuardsModemstAndFlashesSbl1Last) {
    crtest::TempDir t;
    auto pkg = materialise("msm8916_emmc", t.path / "msm8916");
    Package p = open_package(pkg);
    PlanOptions o;
    o.num_disk_sectors = 7634944;  // a 3.64 GiB eMMC
    o.known_calibration = {{"modemst1", 0, 512, 401408, 3072, 0},
                           {"modemst2", 0, 512, 409600, 3072, 0},
                           {"fsg", 0, 512, 417792, 3072, 0},
                           {"fsc", 0, 512, 425984, 2, 0}};
    FlashPlan plan = make_flash_plan(p, o);
    EXPECT_EQ(plan.storage, "emmc");
    // Sector 0 is PrimaryGPT, not the SBL; sbl1 is the boot chain and goes last.
    ASSERT_NE(step(plan, "PrimaryGPT"), nullptr);
    EXPECT_FALSE(step(plan, "PrimaryGPT")->is_sbl);
    ASSERT_NE(step(plan, "sbl1"), nullptr);
    EXPECT_TRUE(step(plan, "sbl1")->is_sbl);
    std::size_t last_program = 0;
    for (std::size_t i = 0; i < plan.steps.size(); ++i)
        if (plan.steps[i].kind == StepKind::program) last_program = i;
    EXPECT_EQ(plan.steps[last_program].op.label, "sbl1");
    // fsg is written by the package: calibration by its GPT label. modemst1/2 (filename="")
    // are not written, but the package rewrites the GPT, so all four are backed up first.
    EXPECT_TRUE(step(plan, "fsg")->touches_calibration);
    EXPECT_EQ(step(plan, "modemst1"), nullptr);
    std::vector<std::string> cal;
    for (const auto& r : plan.calibration_regions) cal.push_back(r.label);
    for (const char* l : {"modemst1", "modemst2", "fsg", "fsc"})
        EXPECT_NE(std::find(cal.begin(), cal.end(), l), cal.end()) << l;
    // BackupGPT's NUM_DISK_SECTORS-33. resolves with the device's size.
    ASSERT_TRUE(step(plan, "BackupGPT")->region);
    EXPECT_EQ(step(plan, "BackupGPT")->region->start_sector, 7634944u - 33);
    EXPECT_EQ(p.disk_patches().size(), 4u);  // the gpt_main0.bin patch stays on the host
}

TEST(RealShapes, Qcs6490UfsUsesTheUnsparseSetAndKnowsTheBootLun) {
    crtest::TempDir t;
    auto pkg = materialise("qcs6490_ufs", t.path / "qcs6490");
    Package p = open_package(pkg);
    std::vector<std::string> xmls;
    for (const auto& x : p.rawprograms()) xmls.push_back(x.filename().string());
    EXPECT_EQ(xmls, (std::vector<std::string>{"rawprogram1.xml", "rawprogram4.xml",
                                              "rawprogram_unsparse0.xml"}));
    bool said = false;
    for (const auto& n : p.notes())
        said |= n.find("ignored rawprogram0.xml") != std::string::npos &&
                n.find("rawprogram_unsparse0.xml") != std::string::npos;
    EXPECT_TRUE(said);
    int system_writes = 0;
    for (const auto& op : p.operations()) {
        system_writes += op.op.label == "system";
        EXPECT_FALSE(op.op.sparse) << op.op.origin;  // the sparse set is not loaded at all
    }
    EXPECT_EQ(system_writes, 1);  // once, not twice
    FlashPlan plan = make_flash_plan(p, PlanOptions{8192, {}, true});
    EXPECT_EQ(plan.storage, "ufs");
    for (const char* boot : {"xbl_a", "xbl_config_a"}) {
        ASSERT_NE(step(plan, boot), nullptr) << boot;
        EXPECT_TRUE(step(plan, boot)->is_sbl) << boot;
        EXPECT_EQ(step(plan, boot)->op.physical_partition, 1u);
    }
    EXPECT_FALSE(step(plan, "PrimaryGPT")->is_sbl);
    EXPECT_TRUE(step(plan, "fsg")->touches_calibration);
    EXPECT_EQ(step(plan, "last_parti"), nullptr);  // filename="" entries are skipped
}

TEST(CalibrationLabels, RealGptAndNandNames) {
    for (const char* l : {"modemst1", "MODEMST2", "fsg", "fsc", "efs2", "efs2apps", "0:EFS2",
                          "modem_st1", "modem_st2"})
        EXPECT_TRUE(is_calibration_label(l)) << l;
    for (const char* l : {"modem", "PrimaryGPT", "misc", "persist", "userdata"})
        EXPECT_FALSE(is_calibration_label(l)) << l;
    for (const char* l : {"sbl", "sbl1", "xbl", "xbl_config", "abl", "xbl_a", "abl_b", "0:SBL"})
        EXPECT_TRUE(is_boot_label(l)) << l;
    for (const char* l : {"PrimaryGPT", "aboot_x", "boot", "sbl1bak"})
        EXPECT_FALSE(is_boot_label(l)) << l;
}
