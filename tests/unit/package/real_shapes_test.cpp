// Packages shaped like real ones (fixtures in tests/fixtures/packages, images generated here):
// an MSM8916 eMMC build and a QCS6490 UFS build with sparse + unsparse sets and several LUNs.
#include <gtest/gtest.h>

#include <fstream>

#include "src/package/flash_plan.hpp"
#include "src/package/package.hpp"
#include "src/package/rawprogram.hpp"
#include "src/util/error.hpp"
#include "tests/unit/package/sparse_util.hpp"

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

PlanOptions disk_of(std::uint64_t sectors) {
    PlanOptions o;
    o.num_disk_sectors = sectors;
    return o;
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
    FlashPlan plan = make_flash_plan(p, disk_of(8192));
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

namespace {

// The QCS6490 fixture with only its sparse set: system.img becomes a real sparse image.
fs::path sparse_only(const fs::path& into, std::string* expanded = nullptr) {
    auto pkg = materialise("qcs6490_ufs", into);
    fs::path fh = pkg / "update" / "firehose";
    fs::remove(fh / "rawprogram_unsparse0.xml");
    std::string img(32 * 4096, '\0');  // data, a FILL block, a hole, data again
    for (std::size_t i = 0; i < 8 * 4096; ++i) img[i] = static_cast<char>(i * 13 + 5);
    std::fill(img.begin() + 8 * 4096, img.begin() + 9 * 4096, '\x5a');
    for (std::size_t i = 20 * 4096; i < 24 * 4096; ++i) img[i] = static_cast<char>(i ^ 0x3c);
    crtest::write_sparse(fh / "system.img", img);
    if (expanded) *expanded = img;
    return pkg;
}

std::string decode_error(const fs::path& pkg) {
    try {
        open_package(pkg);
    } catch (const DecodeError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(RealShapes, SparseSetAloneIsCheckedAndOnlyItsDataIsPlanned) {
    crtest::TempDir t;
    auto pkg = sparse_only(t.path / "qcs6490");
    Package p = open_package(pkg);
    const PackageOp* sys = nullptr;
    for (const auto& op : p.operations())
        if (op.op.label == "system") sys = &op;
    ASSERT_NE(sys, nullptr);
    ASSERT_TRUE(sys->sparse);
    EXPECT_EQ(sys->file_bytes, 32u * 4096);
    EXPECT_EQ(sys->sparse->data_bytes(), 13u * 4096);
    ASSERT_EQ(sys->sparse->runs.size(), 2u);
    FlashPlan plan = make_flash_plan(p, disk_of(8192));
    const FlashStep* s = step(plan, "system");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->bytes, 13u * 4096);         // on the wire: RAW + FILL only
    EXPECT_EQ(s->region->num_sectors, 32u);  // on the device: the whole expanded image
    EXPECT_NE(describe(plan).find("[sparse: 2 data runs]"), std::string::npos);
    EXPECT_EQ(to_json(plan)["steps"][1]["sparse"]["data_bytes"], 13u * 4096);
    bool said = false;
    for (const auto& n : p.notes())
        said |= n.find("rawprogram0.xml:5: system.img is a sparse image") != std::string::npos;
    EXPECT_TRUE(said);
}

TEST(RealShapes, DamagedOrOversizedSparseImagesAreRefusedNamingTheLine) {
    crtest::TempDir t;
    auto pkg = sparse_only(t.path / "a");
    fs::path img = pkg / "update" / "firehose" / "system.img";
    std::string good = crtest::slurp(img);
    std::string bad = good;
    bad[28] = '\x01';  // the first chunk's type
    crtest::spit(img, bad);
    std::string e = decode_error(pkg);
    EXPECT_NE(e.find("rawprogram0.xml:5"), std::string::npos) << e;
    EXPECT_NE(e.find("system.img"), std::string::npos) << e;
    EXPECT_NE(e.find("chunk header"), std::string::npos) << e;
    bad = good;
    bad[28 + 12 + 7] ^= 0x40;  // one byte of RAW data: the CRC32 chunk no longer matches
    crtest::spit(img, bad);
    e = decode_error(pkg);
    EXPECT_NE(e.find("CRC32"), std::string::npos) << e;
    EXPECT_NE(e.find("rawprogram0.xml:5"), std::string::npos) << e;
    // 32 blocks unsparsed into a 16-sector partition.
    crtest::spit(img, good);
    crtest::replace_in(pkg / "update" / "firehose" / "rawprogram0.xml",
                       "label=\"system\" num_partition_sectors=\"4096\"",
                       "label=\"system\" num_partition_sectors=\"16\"");
    e = decode_error(pkg);
    EXPECT_NE(e.find("once unsparsed"), std::string::npos) << e;
    EXPECT_NE(e.find("rawprogram0.xml:5"), std::string::npos) << e;
}

TEST(RealShapes, SparseAndUnsparseSetsThatDisagreeAreRefused) {
    crtest::TempDir t;
    auto pkg = materialise("qcs6490_ufs", t.path / "q");
    fs::path fh = pkg / "update" / "firehose";
    crtest::replace_in(
        fh / "rawprogram_unsparse0.xml",
        "label=\"system\" num_partition_sectors=\"4096\" partofsingleimage=\"false\" "
        "physical_partition_number=\"0\" readbackverify=\"false\" "
        "size_in_KB=\"16384.0\" sparse=\"false\" start_byte_hex=\"0x6000\" "
        "start_sector=\"6\"",
        "label=\"system\" num_partition_sectors=\"4096\" partofsingleimage=\"false\" "
        "physical_partition_number=\"0\" readbackverify=\"false\" "
        "size_in_KB=\"16384.0\" sparse=\"false\" start_byte_hex=\"0x7000\" "
        "start_sector=\"7\"");
    std::string e = decode_error(pkg);
    EXPECT_NE(e.find("disagree"), std::string::npos) << e;
    EXPECT_NE(e.find("rawprogram0.xml:5"), std::string::npos) << e;
    EXPECT_NE(e.find("rawprogram_unsparse0.xml:5"), std::string::npos) << e;
    // A label only one set writes.
    fs::remove_all(pkg);
    pkg = materialise("qcs6490_ufs", t.path / "q");
    crtest::replace_in(fh / "rawprogram_unsparse0.xml", "label=\"system\"", "label=\"vendor\"");
    e = decode_error(pkg);
    EXPECT_NE(e.find("disagree"), std::string::npos) << e;
    EXPECT_NE(e.find("writes system, the unsparse set does not"), std::string::npos) << e;
}

namespace {

std::string unfit_error(const Package& p, const PlanOptions& o) {
    try {
        make_flash_plan(p, o);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no error";
}

PlanOptions on(std::string memory, std::uint32_t sector, std::uint32_t luns) {
    PlanOptions o;
    o.storage = StorageFacts{std::move(memory), sector, memory == "nand" ? 64u : 0u, luns};
    return o;
}

}  // namespace

TEST(StorageFit, EachLunResolvesNumDiskSectorsWithItsOwnSize) {
    crtest::TempDir t;
    Package p = open_package(materialise("qcs6490_ufs", t.path / "q"));
    PlanOptions o = on("ufs", 4096, 6);
    o.lun_sectors = {{0, 100000}, {1, 2048}, {4, 65536}};
    FlashPlan plan = make_flash_plan(p, o);
    const FlashStep* backup = nullptr;
    for (const auto& s : plan.steps)
        if (s.op.label == "BackupGPT" && s.op.physical_partition == 1) backup = &s;
    ASSERT_NE(backup, nullptr);
    ASSERT_TRUE(backup->region);
    EXPECT_EQ(backup->region->start_sector, 2048u - 5);  // LUN 1's size, not LUN 0's
}

TEST(StorageFit, PackagesTheStorageCannotHoldAreRefusedNamingTheLine) {
    crtest::TempDir t;
    Package ufs = open_package(materialise("qcs6490_ufs", t.path / "q"));
    // LUN 1 and 4 on a single-LUN device.
    std::string e = unfit_error(ufs, on("ufs", 4096, 1));
    EXPECT_NE(e.find("physical_partition_number="), std::string::npos) << e;
    EXPECT_NE(e.find("the device has 1 LUN"), std::string::npos) << e;
    EXPECT_NE(e.find(".xml:"), std::string::npos) << e;
    // 4096-byte UFS sectors on an eMMC (512).
    e = unfit_error(ufs, on("emmc", 512, 1));
    EXPECT_NE(e.find("SECTOR_SIZE_IN_BYTES=4096"), std::string::npos) << e;
    // An eMMC (GPT, 512-byte) package on a 4096-byte NAND.
    Package emmc = open_package(materialise("msm8916_emmc", t.path / "m"));
    e = unfit_error(emmc, on("nand", 4096, 1));
    EXPECT_NE(e.find("rawprogram0.xml:"), std::string::npos) << e;
    EXPECT_TRUE(e.find("SECTOR_SIZE_IN_BYTES=512") != std::string::npos ||
                e.find("GPT") != std::string::npos)
        << e;
    // Past the end of a LUN.
    PlanOptions small = on("emmc", 512, 1);
    small.lun_sectors = {{0, 400000}};  // boot (432128+) lies beyond it
    e = unfit_error(emmc, small);
    EXPECT_NE(e.find("but LUN 0 has 400000 sectors"), std::string::npos) << e;
    // And the packages fit storage like their own.
    PlanOptions fits = on("ufs", 4096, 6);
    fits.lun_sectors = {{0, 100000}, {1, 2048}, {4, 65536}};
    EXPECT_NO_THROW(make_flash_plan(ufs, fits));
    PlanOptions fits_emmc = on("emmc", 512, 1);
    fits_emmc.lun_sectors = {{0, 7634944}};
    EXPECT_NO_THROW(make_flash_plan(emmc, fits_emmc));
}
