#include <gtest/gtest.h>
#include <zip.h>

#include "sim/core/model_catalog.hpp"
#include "src/package/flash_plan.hpp"
#include "src/package/package.hpp"
#include "src/package/sim_firmware.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "tests/unit/package/test_util.hpp"

namespace fs = std::filesystem;
using namespace cr;
using namespace cr::package;
using crtest::TempDir;

namespace {

const sim::ModelSpec& ec25() {
    return sim::require_model("ec25");
}
const sim::ModelSpec& rm520n() {
    return sim::require_model("rm520n");
}
const sim::ModelSpec& emmc() {
    return sim::require_model("msm8916-emmc");
}
const sim::ModelSpec& ufs() {
    return sim::require_model("qcs6490-ufs");
}

fs::path make_pkg(const fs::path& dir, const sim::ModelSpec& m, bool factory = false) {
    SimFirmwareOptions o;
    o.with_factory = factory;
    o.image_bytes = 20000;
    o.programmer_bytes = 8192;
    make_sim_firmware(m, dir, o);
    return dir;
}

PackageOptions factory_opts() {
    PackageOptions o;
    o.factory = true;
    return o;
}

fs::path fh(const fs::path& pkg) {
    return pkg / "update" / "firehose";
}
fs::path nand_update(const fs::path& pkg) {
    return fh(pkg) / "rawprogram_nand_p4K_b256K_update.xml";
}

void drop_md5(const fs::path& pkg) {
    fs::remove(pkg / "md5.txt");
}

template <class E>
std::string expect_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong error type: " << e.what();
        return {};
    }
    ADD_FAILURE() << "no error";
    return {};
}

void make_zip(const fs::path& zip, const std::vector<std::pair<std::string, std::string>>& files) {
    int err = 0;
    zip_t* z = zip_open(zip.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr);
    std::vector<std::string> keep;
    keep.reserve(files.size());
    for (const auto& [name, data] : files) {
        keep.push_back(data);
        zip_source_t* s = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
        ASSERT_GE(zip_file_add(z, name.c_str(), s, ZIP_FL_ENC_UTF_8), 0) << name;
    }
    ASSERT_EQ(zip_close(z), 0);
}

}  // namespace

TEST(Package, OpensGeneratedNandPackageAndOrdersThePlan) {
    TempDir t;
    auto pkg = make_pkg(t.path / "ec25", ec25(), true);
    Package p = open_package(pkg);
    EXPECT_EQ(p.programmer().filename(), "prog_nand_firehose_9x07.mbn");
    ASSERT_EQ(p.rawprograms().size(), 1u);
    EXPECT_EQ(p.rawprograms()[0].filename(), "rawprogram_nand_p4K_b256K_update.xml");
    EXPECT_FALSE(p.factory());
    EXPECT_TRUE(p.has_factory_xml());
    EXPECT_TRUE(p.md5_checked());
    bool said_factory = false;
    for (const auto& n : p.notes()) said_factory |= n.find("needs --factory") != std::string::npos;
    EXPECT_TRUE(said_factory);
    ASSERT_EQ(p.disk_patches().size(), 1u);  // the gpt_main0.bin patch stays on the host
    EXPECT_EQ(p.disk_patches()[0].filename, "DISK");
    // The factory-only region is cefs.mbn at 1280.
    ASSERT_EQ(p.factory_regions().size(), 1u);
    EXPECT_EQ(p.factory_regions()[0].start_sector, "1280");

    FlashPlan plan = make_flash_plan(p);
    ASSERT_GE(plan.steps.size(), 5u);
    EXPECT_EQ(plan.steps.front().kind, StepKind::erase);
    EXPECT_TRUE(plan.steps.front().is_sbl);
    EXPECT_EQ(plan.steps.back().kind, StepKind::reset);
    std::size_t last_erase = 0, first_program = plan.steps.size(), sbl_program = 0, patch = 0;
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const auto& s = plan.steps[i];
        EXPECT_FALSE(s.touches_calibration) << s.op.label;
        if (s.kind == StepKind::erase) last_erase = i;
        if (s.kind == StepKind::program) first_program = std::min(first_program, i);
        if (s.kind == StepKind::program && s.is_sbl) sbl_program = i;
        if (s.kind == StepKind::patch) patch = i;
        if (s.kind == StepKind::program) {
            EXPECT_EQ(s.bytes % 4096, 0u);
            ASSERT_TRUE(s.file);
            EXPECT_GE(s.bytes, fs::file_size(*s.file));
        }
    }
    EXPECT_LT(last_erase, first_program);
    EXPECT_EQ(sbl_program, patch - 1);  // the SBL is the last program, then the DISK patch
    EXPECT_EQ(plan.steps[patch + 1].kind, StepKind::reset);
    EXPECT_TRUE(plan.calibration_regions.empty());
    EXPECT_NE(describe(plan).find("[SBL]"), std::string::npos);
}

TEST(Package, FactoryNeedsTheFlagAndMarksCalibration) {
    TempDir t;
    auto pkg = make_pkg(t.path / "ec25", ec25(), true);
    Package p = open_package(pkg, factory_opts());
    EXPECT_TRUE(p.factory());
    FlashPlan plan = make_flash_plan(p);
    int cal = 0;
    for (const auto& s : plan.steps)
        if (s.touches_calibration) {
            ++cal;
            EXPECT_EQ(s.op.label, "efs2");
        }
    EXPECT_EQ(cal, 2);  // erase + program of cefs.mbn
    ASSERT_EQ(plan.calibration_regions.size(), 1u);
    EXPECT_EQ(plan.calibration_regions[0].start_sector, 1280u);
    EXPECT_EQ(plan.calibration_regions[0].num_sectors, 2816u);
    EXPECT_EQ(to_json(plan)["calibration_regions"][0]["label"], "efs2");

    TempDir t2;
    auto plain = make_pkg(t2.path / "ec25", ec25(), false);
    expect_error<UsageError>([&] { open_package(plain, factory_opts()); });
    // Only a factory XML: refused without --factory.
    fs::remove(nand_update(pkg));
    drop_md5(pkg);
    auto msg = expect_error<UsageError>([&] { open_package(pkg); });
    EXPECT_NE(msg.find("factory"), std::string::npos);
}

TEST(Package, RegionOnlyTheFactoryXmlWritesIsCalibrationWhateverItsLabel) {
    TempDir t;
    auto pkg = make_pkg(t.path / "ec25", ec25(), true);
    drop_md5(pkg);
    auto factory = fh(pkg) / "rawprogram_nand_p4K_b256K_factory.xml";
    std::string f = crtest::slurp(factory);
    // Relabel the factory's efs2 entries: detection must go by the region.
    for (std::size_t pos; (pos = f.find("label=\"efs2\"")) != std::string::npos;)
        f.replace(pos, 12, "label=\"cefs\"");
    crtest::spit(factory, f);
    // An update entry writing inside that region under an innocent name.
    crtest::replace_in(nand_update(pkg), "</data>",
                       "  <program SECTOR_SIZE_IN_BYTES=\"4096\" filename=\"..\\tz.mbn\" "
                       "num_partition_sectors=\"64\" physical_partition_number=\"0\" "
                       "start_sector=\"1344\" label=\"scratch\"/>\n</data>");
    FlashPlan plan = make_flash_plan(open_package(pkg));
    int cal = 0;
    for (const auto& s : plan.steps)
        if (s.touches_calibration) {
            ++cal;
            EXPECT_EQ(s.op.label, "scratch");
            EXPECT_NE(s.calibration_reason.find("cefs.mbn"), std::string::npos);
        }
    EXPECT_EQ(cal, 1);
}

TEST(Package, KnownCalibrationFromTheDeviceMarksOverlaps) {
    TempDir t;
    auto pkg = make_pkg(t.path / "ufs", ufs());
    drop_md5(pkg);
    // An unlabelled-looking write into fsg on LUN 4 of the UFS (fsg: sectors 9222+512 there).
    crtest::replace_in(fh(pkg) / "rawprogram4_update.xml", "</data>",
                       "  <program SECTOR_SIZE_IN_BYTES=\"4096\" filename=\"..\\tz_a.mbn\" "
                       "num_partition_sectors=\"8\" physical_partition_number=\"4\" "
                       "start_sector=\"9300\" label=\"oops\"/>\n</data>");
    PlanOptions o;
    o.known_calibration.push_back({"fsg", 4, 4096, 9222, 512, 0});
    o.known_calibration.push_back({"fsg_elsewhere", 0, 4096, 9222, 512, 0});  // other LUN
    FlashPlan plan = make_flash_plan(open_package(pkg), o);
    ASSERT_EQ(plan.calibration_regions.size(), 1u);
    EXPECT_EQ(plan.calibration_regions[0].label, "fsg");  // the whole partition is backed up
    EXPECT_EQ(plan.calibration_regions[0].physical_partition, 4u);
    EXPECT_EQ(plan.calibration_regions[0].num_sectors, 512u);
}

TEST(Package, ZipGivesTheSameOperationsAsTheDirectory) {
    TempDir t;
    auto dir = make_pkg(t.path / "dir", rm520n(), true);
    SimFirmwareOptions o;
    o.with_factory = true;
    o.image_bytes = 20000;
    o.programmer_bytes = 8192;
    make_sim_firmware(rm520n(), t.path / "pkg.zip", o);
    Package a = open_package(dir);
    fs::path extracted;
    {
        Package b = open_package(t.path / "pkg.zip");
        extracted = b.root();
        EXPECT_TRUE(b.md5_checked());
        ASSERT_EQ(a.operations().size(), b.operations().size());
        for (std::size_t i = 0; i < a.operations().size(); ++i) {
            EXPECT_EQ(a.operations()[i].op.label, b.operations()[i].op.label);
            EXPECT_EQ(a.operations()[i].file_bytes, b.operations()[i].file_bytes);
            if (a.operations()[i].file) {
                EXPECT_EQ(file_digest_hex(*a.operations()[i].file, Digest::Algorithm::sha256),
                          file_digest_hex(*b.operations()[i].file, Digest::Algorithm::sha256));
            }
        }
        EXPECT_EQ(b.programmer().filename(), "prog_firehose_lite.elf");
    }
    EXPECT_FALSE(fs::exists(extracted));  // the temporary extraction is gone with the Package
}

TEST(Package, BadInputIsRefusedBeforeAnythingIsSent) {
    TempDir t;
    auto pkg = make_pkg(t.path / "ec25", ec25());
    // md5 mismatch names the file.
    {
        std::string img = crtest::slurp(pkg / "update" / "tz.mbn");
        img[5] ^= 1;
        crtest::spit(pkg / "update" / "tz.mbn", img);
        auto msg = expect_error<VerifyError>([&] { open_package(pkg); });
        EXPECT_NE(msg.find("update/tz.mbn"), std::string::npos) << msg;
        drop_md5(pkg);
        EXPECT_NO_THROW(open_package(pkg));
    }
    // Malformed XML names the file.
    {
        std::string good = crtest::slurp(nand_update(pkg));
        crtest::spit(nand_update(pkg), good.substr(0, good.size() / 2));
        auto msg = expect_error<DecodeError>([&] { open_package(pkg); });
        EXPECT_NE(msg.find("rawprogram_nand_p4K_b256K_update.xml"), std::string::npos) << msg;
        crtest::spit(nand_update(pkg), good);
    }
    // Missing image.
    {
        fs::rename(pkg / "update" / "rpm.mbn", t.path / "rpm.mbn");
        auto msg = expect_error<NotFoundError>([&] { open_package(pkg); });
        EXPECT_NE(msg.find("rpm.mbn"), std::string::npos);
        fs::rename(t.path / "rpm.mbn", pkg / "update" / "rpm.mbn");
    }
    // Image longer than its partition (rpm: 256 sectors = 1 MiB).
    {
        std::string saved = crtest::slurp(pkg / "update" / "rpm.mbn");
        crtest::spit(pkg / "update" / "rpm.mbn", std::string(256 * 4096 + 1, 'x'));
        auto msg = expect_error<DecodeError>([&] { open_package(pkg); });
        EXPECT_NE(msg.find("larger than partition rpm"), std::string::npos) << msg;
        crtest::spit(pkg / "update" / "rpm.mbn", std::string(256 * 4096, 'x'));  // exactly fits
        EXPECT_NO_THROW(open_package(pkg));
        crtest::spit(pkg / "update" / "rpm.mbn", saved);
    }
    // Paths leaving the package, absolute paths.
    for (const char* evil : {"..\\..\\..\\..\\etc\\passwd", "/etc/passwd", "C:\\boot.img",
                             "..\\..\\..\\outside.bin"}) {
        std::string good = crtest::slurp(nand_update(pkg));
        crtest::replace_in(nand_update(pkg), "..\\tz.mbn", evil);
        crtest::spit(t.path / "outside.bin", "x");
        auto msg = expect_error<DecodeError>([&] { open_package(pkg); });
        EXPECT_TRUE(msg.find("leaves the package") != std::string::npos ||
                    msg.find("absolute") != std::string::npos)
            << msg;
        crtest::spit(nand_update(pkg), good);
    }
    // Unknown attributes are tolerated.
    crtest::replace_in(nand_update(pkg), "<program ", "<program vendor_extension=\"1\" ");
    EXPECT_NO_THROW(open_package(pkg));
    // Not a package.
    expect_error<NotFoundError>([&] { open_package(t.path / "nope"); });
    fs::create_directories(t.path / "empty");
    expect_error<NotFoundError>([&] { open_package(t.path / "empty"); });
}

TEST(Package, RawprogramsAreChosenInSortedOrder) {
    TempDir t;
    auto pkg = make_pkg(t.path / "emmc", emmc());
    drop_md5(pkg);
    auto xml = crtest::slurp(fh(pkg) / "rawprogram0_update.xml");
    crtest::spit(fh(pkg) / "rawprogram1.xml",
                 "<data><program SECTOR_SIZE_IN_BYTES=\"512\" filename=\"..\\tz.mbn\" "
                 "num_partition_sectors=\"1024\" physical_partition_number=\"1\" "
                 "start_sector=\"0\" label=\"lun1\"/></data>");
    Package p = open_package(pkg);
    ASSERT_EQ(p.rawprograms().size(), 2u);
    EXPECT_EQ(p.rawprograms()[0].filename(), "rawprogram0_update.xml");
    EXPECT_EQ(p.rawprograms()[1].filename(), "rawprogram1.xml");
    EXPECT_EQ(p.operations().back().op.label, "lun1");
}

TEST(Package, HostileZipsAreRefused) {
    TempDir t;
    make_zip(t.path / "trav.zip",
             {{"pkg/update/firehose/rawprogram0.xml", "<data/>"}, {"../../evil.txt", "pwned"}});
    auto msg = expect_error<DecodeError>([&] { open_package(t.path / "trav.zip"); });
    EXPECT_NE(msg.find("leaves the package"), std::string::npos) << msg;
    EXPECT_FALSE(fs::exists(t.path.parent_path() / "evil.txt"));

    make_zip(t.path / "abs.zip", {{"/tmp/cr-evil-abs.txt", "pwned"}});
    expect_error<DecodeError>([&] { open_package(t.path / "abs.zip"); });
    EXPECT_FALSE(fs::exists("/tmp/cr-evil-abs.txt"));

    make_zip(t.path / "bomb.zip", {{"pkg/update/zeros.bin", std::string(48 << 20, '\0')}});
    msg = expect_error<DecodeError>([&] { open_package(t.path / "bomb.zip"); });
    EXPECT_NE(msg.find("ratio"), std::string::npos) << msg;

    make_zip(t.path / "big.zip", {{"pkg/update/a.bin", std::string(3 << 20, 'a')}});
    PackageOptions small;
    small.max_total_uncompressed = 1 << 20;
    small.max_ratio = 1u << 30;
    msg = expect_error<DecodeError>([&] { open_package(t.path / "big.zip", small); });
    EXPECT_NE(msg.find("uncompressed size"), std::string::npos) << msg;

    crtest::spit(t.path / "garbage.zip", "PK\x03\x04 this is not a zip");
    expect_error<DecodeError>([&] { open_package(t.path / "garbage.zip"); });
}

TEST(PackageMd5, QuectelMd5TxtIsVerifiedAndMismatchesNameTheLine) {
    TempDir t;
    auto pkg = make_pkg(t.path / "ec25", ec25());
    std::string md5 = crtest::slurp(pkg / "md5.txt");
    ASSERT_NE(md5.find("D:\\update\\tz.mbn"), std::string::npos) << md5;  // Quectel style
    // targetfiles.zip is listed with a wrong digest and never checked; a GNU line mixes in.
    md5 += "D:\\targetfiles.zip:00000000000000000000000000000000\r\n";
    md5 +=
        file_digest_hex(pkg / "update" / "rpm.mbn", Digest::Algorithm::md5) + "  update/rpm.mbn\n";
    crtest::spit(pkg / "md5.txt", md5);
    Package p = open_package(pkg);
    EXPECT_TRUE(p.md5_checked());
    EXPECT_FALSE(p.md5_skipped());
    // Upper-case digests compare equal.
    std::string upper = md5;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    crtest::spit(pkg / "md5.txt", upper);  // paths upper-cased too: found case-insensitively
    EXPECT_TRUE(open_package(pkg).md5_checked());
    crtest::spit(pkg / "md5.txt", md5);
    // One digit off in the LAST position: the full 32 digits are compared.
    std::string sum = file_digest_hex(pkg / "update" / "tz.mbn", Digest::Algorithm::md5);
    std::string bad = sum;
    bad[31] = bad[31] == '0' ? '1' : '0';
    crtest::replace_in(pkg / "md5.txt", sum, bad);
    auto msg = expect_error<VerifyError>([&] { open_package(pkg); });
    EXPECT_NE(msg.find("update/tz.mbn"), std::string::npos) << msg;
    EXPECT_NE(msg.find("line "), std::string::npos) << msg;
    // --no-md5 opens it anyway, and says so.
    PackageOptions o;
    o.skip_md5 = true;
    Package s = open_package(pkg, o);
    EXPECT_TRUE(s.md5_skipped());
    EXPECT_FALSE(s.md5_checked());
    bool warned = false;
    for (const auto& n : s.notes()) warned |= n.find("NOT checked (--no-md5)") != std::string::npos;
    EXPECT_TRUE(warned);
}

TEST(PackageMd5, DamagedOrHostileMd5TxtIsRefusedNamingTheLine) {
    TempDir t;
    auto pkg = make_pkg(t.path / "ec25", ec25());
    crtest::spit(t.path / "secret.bin", "x");
    for (std::string line :
         {std::string("D:\\..\\secret.bin:0123456789abcdef0123456789abcdef"),
          std::string("D:\\update\\tz.mbn:0123456789abcdef"),
          std::string("D:\\update\\gone.mbn:0123456789abcdef0123456789abcdef")}) {
        std::string saved = crtest::slurp(pkg / "md5.txt");
        crtest::spit(pkg / "md5.txt", saved + line + "\r\n");
        try {
            open_package(pkg);
            ADD_FAILURE() << "accepted " << line;
        } catch (const Error& e) {
            std::string msg = e.what();
            EXPECT_NE(msg.find("md5.txt line"), std::string::npos) << msg;
            EXPECT_TRUE(e.kind() == ErrorKind::bad_input || e.kind() == ErrorKind::not_found)
                << msg;
        }
        PackageOptions o;
        o.skip_md5 = true;
        EXPECT_NO_THROW(open_package(pkg, o));
        crtest::spit(pkg / "md5.txt", saved);
    }
    // Only headers: nothing is claimed verified.
    crtest::spit(pkg / "md5.txt", "MD5 list\r\nnothing here\r\n");
    Package p = open_package(pkg);
    EXPECT_FALSE(p.md5_checked());
}

TEST(PackageMd5, ImagesMd5TxtDoesNotListAreNamed) {
    TempDir t;
    auto pkg = make_pkg(t.path / "ec25", ec25());
    std::string md5 = crtest::slurp(pkg / "md5.txt");
    auto pos = md5.find("D:\\update\\tz.mbn");
    ASSERT_NE(pos, std::string::npos);
    md5.erase(pos, md5.find('\n', pos) - pos + 1);
    crtest::spit(pkg / "md5.txt", md5);
    Package p = open_package(pkg);
    bool named = false;
    for (const auto& n : p.notes())
        named |= n.find("not listed in md5.txt") != std::string::npos &&
                 n.find("tz.mbn") != std::string::npos;
    EXPECT_TRUE(named);
}
