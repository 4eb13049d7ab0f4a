// The built binary flashing the real-shaped fixture packages (tests/fixtures/packages) into the
// virtual modules of their storage: MSM8916 eMMC (modemst1/modemst2/fsg backed up first and
// restorable) and QCS6490 UFS (boot LUN 1, filename="" entries left alone); a package for the
// wrong storage is refused before any write; `flash --dry-run -d` asks each device read-only.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "tests/e2e/cli_run.hpp"

namespace fs = std::filesystem;
using cr::testing::CliRun;

namespace {

std::string slurp(const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void spit(const fs::path& f, const std::string& s) {
    std::ofstream(f, std::ios::binary) << s;
}

class RealPackagesCli : public ::testing::Test {
  protected:
    fs::path root;
    fs::path programmer_;  // the package's, for the reads before and after the flash
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-e2e-real-XXXXXX").string();
        root = ::mkdtemp(tmpl.data());
    }
    void TearDown() override { fs::remove_all(root); }

    // stderr joins stdout (messages are checked), except with --json (progress goes there).
    CliRun run(const std::string& args) {
        bool json = args.find("--json") != std::string::npos;
        return cr::testing::run_shell(std::string("timeout 300 ") + CR_BINARY + " --sim-dir " +
                                      (root / "sim").string() + " --backup-dir " +
                                      (root / "backups").string() + " " + args +
                                      (json ? " 2>/dev/null" : " 2>&1"));
    }
    // A partition (or raw sectors) of the module, read back through Firehose.
    std::string read(const std::string& dev, const std::string& what) {
        fs::path out = root / "read.bin";
        fs::remove(out);
        CliRun r = run("edl read " + what + " -d sim:" + dev + " --programmer " +
                       programmer_.string() + " -o " + out.string());
        EXPECT_EQ(r.code, 0) << what << ": " << r.out;
        return slurp(out);
    }

    // Copies a fixture; every image its XMLs name gets deterministic bytes (not a whole number
    // of sectors, so the zero padding is exercised). The GPT files are the module's own tables,
    // dumped over EDL as a user would, so the flashed package describes the device it is for.
    fs::path materialise(const std::string& name, const fs::path& firehose_dir,
                         const std::string& dev, const std::string& programmer) {
        fs::path pkg = root / name;
        fs::copy(fs::path(CR_SOURCE_DIR) / "tests" / "fixtures" / "packages" / name, pkg,
                 fs::copy_options::recursive);
        fs::path fh = pkg / firehose_dir;
        programmer_ = fh / programmer;
        EXPECT_EQ(run("sim make-programmer --model " + dev + " -o " + programmer_.string()).code,
                  0);
        std::regex entry(R"re(filename="([^"]+)"[^>]*physical_partition_number="(\d+)")re");
        for (const auto& x : fs::directory_iterator(fh)) {
            if (x.path().filename().string().rfind("rawprogram", 0) != 0) continue;
            std::string xml = slurp(x.path());
            for (std::sregex_iterator it(xml.begin(), xml.end(), entry), end; it != end; ++it) {
                std::string file = (*it)[1];
                if (fs::exists(fh / file)) continue;
                if (file.rfind("gpt_", 0) == 0) continue;  // below
                std::string bytes(70001 + file.size() * 13, '\0');
                for (std::size_t i = 0; i < bytes.size(); ++i)
                    bytes[i] = static_cast<char>((i * 131 + file.size() * 7 + i / 997) & 0xFF);
                spit(fh / file, bytes);
            }
        }
        return pkg;
    }
    void dump_gpt(const fs::path& fh, const std::string& dev, int lun, std::uint64_t primary,
                  std::uint64_t backup_start, std::uint64_t backup) {
        spit(fh / ("gpt_main" + std::to_string(lun) + ".bin"),
             read(dev, "--lun " + std::to_string(lun) + " --start 0 --count " +
                           std::to_string(primary)));
        spit(fh / ("gpt_backup" + std::to_string(lun) + ".bin"),
             read(dev, "--lun " + std::to_string(lun) + " --start " +
                           std::to_string(backup_start) + " --count " + std::to_string(backup)));
    }
    static bool starts_with(const std::string& data, const std::string& prefix) {
        return data.size() >= prefix.size() && data.compare(0, prefix.size(), prefix) == 0;
    }
    nlohmann::json json_of(const CliRun& r) {
        auto j = nlohmann::json::parse(r.out, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << r.out;
        return j;
    }
};

bool said(const nlohmann::json& report, const std::string& what) {
    for (const auto& n : report["notes"])
        if (n.get<std::string>().find(what) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_F(RealPackagesCli, Msm8916EmmcBacksUpTheCalibrationFlashesAndRestores) {
    const std::string dev = "msm8916-emmc";
    ASSERT_EQ(run("sim set " + dev + " --state edl").code, 0);
    fs::path pkg = materialise("msm8916_emmc", "firehose", dev, "prog_emmc_firehose_8916.mbn");
    fs::path fh = pkg / "firehose";
    dump_gpt(fh, dev, 0, 34, 7634944 - 33, 33);
    const std::string st1 = read(dev, "modemst1"), st2 = read(dev, "modemst2"),
                      fsg = read(dev, "fsg"), boot = read(dev, "boot");
    ASSERT_EQ(st1.size(), 3072u * 512);
    EXPECT_FALSE(st1 == std::string(st1.size(), '\0'));  // the module's EFS, not blank sectors

    // Dry run against the device: its storage is queried read-only and nothing changes.
    CliRun dry = run("--json flash " + pkg.string() + " --dry-run -d sim:" + dev);
    ASSERT_EQ(dry.code, 0) << dry.out;
    auto plan = json_of(dry);
    EXPECT_TRUE(said(plan, "device storage: emmc, 512-byte sectors")) << dry.out;
    std::vector<std::string> cal;
    for (const auto& r : plan["plan"]["calibration_regions"]) cal.push_back(r["label"]);
    for (const char* l : {"modemst1", "modemst2", "fsg"})
        EXPECT_NE(std::find(cal.begin(), cal.end(), l), cal.end()) << l;
    EXPECT_TRUE(read(dev, "boot") == boot);
    EXPECT_FALSE(fs::exists(root / "backups") && !fs::is_empty(root / "backups"));

    // Power-cycled into EDL: the flash goes through Sahara, so its backup records the chip's
    // serial (a reused programmer does not tell it) and the restore can match it.
    ASSERT_EQ(run("sim set " + dev + " --state edl").code, 0);
    CliRun flash = run("--yes --json flash " + pkg.string() + " -d sim:" + dev + " --no-reset");
    ASSERT_EQ(flash.code, 0) << flash.out;
    auto report = json_of(flash);
    ASSERT_TRUE(report["calibration_backup"].is_string()) << flash.out;
    // Every image landed byte-exact (zero-padded to its last sector); fsg took the package's
    // fs_image; modemst1/modemst2 (filename="") were left alone.
    for (auto [label, file] : {std::pair{"sbl1", "sbl1.mbn"}, {"modem", "NON-HLOS.bin"},
                               {"tz", "tz.mbn"}, {"rpm", "rpm.mbn"}, {"boot", "boot.img"},
                               {"aboot", "emmc_appsboot.mbn"},
                               {"fsg", "fs_image.tar.gz.mbn.img"}}) {
        std::string image = slurp(fh / file);
        std::string got = read(dev, label);
        EXPECT_TRUE(starts_with(got, image)) << label;
        std::size_t padded = (image.size() + 511) / 512 * 512;
        EXPECT_TRUE(got.substr(image.size(), padded - image.size()) ==
                    std::string(padded - image.size(), '\0'))
            << label;
    }
    EXPECT_TRUE(read(dev, "modemst1") == st1);
    EXPECT_TRUE(read(dev, "modemst2") == st2);

    // The backup holds the three as they were, and restores fsg to the module's own.
    CliRun list = run("--json backups list");
    ASSERT_EQ(list.code, 0) << list.out;
    auto bundles = json_of(list)["bundles"];
    ASSERT_EQ(bundles.size(), 1u);
    std::vector<std::string> names;
    for (const auto& e : bundles[0]["entries"]) names.push_back(e["name"]);
    for (const char* l : {"modemst1", "modemst2", "fsg"})
        EXPECT_NE(std::find(names.begin(), names.end(), l), names.end()) << l;
    std::string bundle = report["calibration_backup"];
    ASSERT_EQ(run("sim set " + dev + " --state edl").code, 0);
    CliRun restore = run("--yes restore " + bundle + " -d sim:" + dev + " --programmer " +
                         programmer_.string() + " --no-reset");
    ASSERT_EQ(restore.code, 0) << restore.out;
    ASSERT_EQ(run("sim set " + dev + " --state edl").code, 0);  // the restore may reboot it
    EXPECT_TRUE(read(dev, "fsg") == fsg);
    EXPECT_TRUE(read(dev, "modemst1") == st1);
    EXPECT_TRUE(read(dev, "modemst2") == st2);
}

TEST_F(RealPackagesCli, Qcs6490UfsFlashesTheBootLunAndLeavesEmptyEntriesAlone) {
    const std::string dev = "qcs6490-ufs";
    ASSERT_EQ(run("sim set " + dev + " --state edl").code, 0);
    fs::path pkg =
        materialise("qcs6490_ufs", fs::path("update") / "firehose", dev, "prog_firehose_ddr.elf");
    fs::path fh = pkg / "update" / "firehose";
    dump_gpt(fh, dev, 0, 6, 65536 - 5, 5);
    dump_gpt(fh, dev, 1, 6, 2048 - 5, 5);
    const std::string userdata = read(dev, "userdata"), st1 = read(dev, "modemst1"),
                      st2 = read(dev, "modemst2"), xbl_b = read(dev, "xbl_b");

    CliRun dry = run("--json flash " + pkg.string() + " --dry-run -d sim:" + dev);
    ASSERT_EQ(dry.code, 0) << dry.out;
    auto plan = json_of(dry);
    EXPECT_TRUE(said(plan, "device storage: ufs, 4096-byte sectors")) << dry.out;

    CliRun flash = run("--yes --json flash " + pkg.string() + " -d sim:" + dev + " --no-reset");
    ASSERT_EQ(flash.code, 0) << flash.out;
    auto report = json_of(flash);
    ASSERT_TRUE(report["calibration_backup"].is_string()) << flash.out;  // fsg is written
    for (auto [label, file] : {std::pair{"xbl_a", "xbl.elf"}, {"xbl_config_a", "xbl_config.elf"},
                               {"system", "system_1.img"}, {"modem_a", "NON-HLOS.bin"},
                               {"fsg", "fs_image.tar.gz.mbn.img"}}) {
        std::string image = slurp(fh / file);
        EXPECT_TRUE(starts_with(read(dev, label), image)) << label;
    }
    // xbl_a went to LUN 1: LUN 2's copy is untouched; filename="" entries were not written.
    EXPECT_TRUE(read(dev, "xbl_b") == xbl_b);
    EXPECT_TRUE(read(dev, "userdata") == userdata);
    EXPECT_TRUE(read(dev, "modemst1") == st1);
    EXPECT_TRUE(read(dev, "modemst2") == st2);
    std::string xbl_raw = read(dev, "--lun 1 --start 6 --count 1");
    EXPECT_TRUE(starts_with(slurp(fh / "xbl.elf"), xbl_raw));
}

TEST_F(RealPackagesCli, APackageForTheWrongStorageIsRefusedBeforeAnyWrite) {
    ASSERT_EQ(run("sim set qcs6490-ufs --state edl").code, 0);
    ASSERT_EQ(run("sim set rm520n --state edl").code, 0);
    fs::path emmc = materialise("msm8916_emmc", "firehose", "qcs6490-ufs", "prog_firehose_ddr.elf");
    spit(emmc / "firehose" / "gpt_main0.bin", std::string(512 * 34, 'G'));
    spit(emmc / "firehose" / "gpt_backup0.bin", std::string(512 * 33, 'G'));
    fs::path ufs = materialise("qcs6490_ufs", fs::path("update") / "firehose", "rm520n",
                               "prog_firehose_lite.elf");
    for (const char* f : {"gpt_main0.bin", "gpt_main1.bin"})
        spit(ufs / "update" / "firehose" / f, std::string(4096 * 6, 'G'));
    spit(ufs / "update" / "firehose" / "gpt_backup1.bin", std::string(4096 * 5, 'G'));

    auto image_digests = [&] {
        std::string all;
        for (const auto& e : fs::recursive_directory_iterator(root / "sim"))
            if (e.path().extension() == ".img") all += slurp(e.path()).substr(0, 1 << 20);
        return all;
    };
    const std::string before = image_digests();
    // 512-byte sectors onto a 4096-byte UFS; a GPT (UFS) package onto a NAND RM520N.
    for (auto [pkg, dev, why] :
         {std::tuple{emmc, "qcs6490-ufs", std::string("SECTOR_SIZE_IN_BYTES=512")},
          {ufs, "rm520n", std::string("the device's is nand")}}) {
        for (const char* mode : {"--dry-run", "--yes"}) {
            CliRun r = run(std::string(mode == std::string("--yes") ? "--yes " : "") + "flash " +
                           pkg.string() + (mode == std::string("--dry-run") ? " --dry-run" : "") +
                           " -d sim:" + dev);
            EXPECT_NE(r.code, 0) << dev << " " << mode << ": " << r.out;
            EXPECT_NE(r.out.find(why), std::string::npos) << r.out;
            EXPECT_NE(r.out.find("nothing was written"), std::string::npos) << r.out;
        }
    }
    EXPECT_TRUE(image_digests() == before);
    EXPECT_FALSE(fs::exists(root / "backups") && !fs::is_empty(root / "backups"));
}
