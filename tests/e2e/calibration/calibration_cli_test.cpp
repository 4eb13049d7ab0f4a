// The built binary: imei tools, convert (QPST layout preserved), restore refusals and exit codes.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

#include <fstream>
#include <sstream>
#include "tests/e2e/cli_run.hpp"

namespace {

namespace fs = std::filesystem;

using cr::testing::CliRun;

CliRun run(const std::string& args) {
    return cr::testing::run_shell(fmt::format("{} {} 2>&1", CR_BINARY, args));
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class CalibrationCli : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               fmt::format("cr_e2e_cal_{}_{}", getpid(),
                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        global_ = fmt::format("--sim-dir {} --backup-dir {}", (dir_ / "sim").string(),
                              (dir_ / "store").string());
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
    std::string global_;
    const fs::path golden_ = fs::path(CR_SOURCE_DIR) / "tests/unit/nv/golden/qpst_example.xqcn";
};

TEST_F(CalibrationCli, ImeiTools) {
    EXPECT_EQ(run("imei check 490154203237518").code, 0);
    CliRun bad = run("imei check 490154203237519");
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.out.find("should be 8"), std::string::npos) << bad.out;
    CliRun enc = run("imei encode 490154203237518");
    EXPECT_NE(enc.out.find("08 4a 09 51 24 30 32 57 81"), std::string::npos) << enc.out;
    CliRun dec = run("imei decode 084A0951243032578100");
    EXPECT_NE(dec.out.find("490154203237518"), std::string::npos) << dec.out;
}

TEST_F(CalibrationCli, ConvertKeepsQpstLayout) {
    ASSERT_EQ(run(fmt::format("convert {} {}", golden_.string(), (dir_ / "a.qcn").string())).code,
              0);
    ASSERT_EQ(
        run(fmt::format("convert {} {}", (dir_ / "a.qcn").string(), (dir_ / "b.crb").string()))
            .code,
        0);
    ASSERT_EQ(
        run(fmt::format("convert {} {}", (dir_ / "b.crb").string(), (dir_ / "c.xqcn").string()))
            .code,
        0);
    // OLE2 has no root storage name: the default name comes back; everything else is equal.
    std::string want = slurp(golden_);
    std::string got = slurp(dir_ / "c.xqcn");
    auto strip_root = [](std::string s) {
        auto a = s.find("<Storage Name='");
        auto b = s.find('\n', a);
        return s.erase(a, b - a);
    };
    EXPECT_EQ(strip_root(got), strip_root(want));
    {
        std::ofstream junk(dir_ / "junk.bin", std::ios::binary);
        junk << std::string(1000, 'J');
    }
    CliRun garbage =
        run(fmt::format("convert {} {}", (dir_ / "junk.bin").string(), (dir_ / "x.xqcn").string()));
    EXPECT_EQ(garbage.code, 10) << garbage.out;  // bad input
    EXPECT_FALSE(fs::exists(dir_ / "x.xqcn"));
}

TEST_F(CalibrationCli, RestoreOfAnotherDevicesBackupIsRefused) {
    ASSERT_EQ(run(global_ + " sim set rm520n --state healthy").code, 0);
    // The golden file carries IMEI 490154203237518: not this module's.
    CliRun refused =
        run(fmt::format("{} --yes restore {} -d sim:rm520n", global_, golden_.string()));
    EXPECT_EQ(refused.code, 7) << refused.out;
    EXPECT_NE(refused.out.find("--imei"), std::string::npos) << refused.out;
    CliRun luhn = run(fmt::format("{} --yes restore {} -d sim:rm520n --imei 490154203237519",
                                  global_, golden_.string()));
    EXPECT_EQ(luhn.code, 2) << luhn.out;
    EXPECT_NE(luhn.out.find("nothing was written"), std::string::npos) << luhn.out;
}

// Issue 4's "done when", as a user would check it: back up, wipe (CFUN=5), restore, back up
// again and compare with `backups diff` (contents; file times cannot survive a DIAG restore).
TEST_F(CalibrationCli, BackupWipeRestoreGivesBackEveryItemAndFile) {
    auto a = (dir_ / "a.xqcn").string(), wiped = (dir_ / "wiped.xqcn").string(),
         b = (dir_ / "b.xqcn").string();
    ASSERT_EQ(run(global_ + " sim set rm520n --state healthy").code, 0);
    CliRun first = run(fmt::format("{} backup -d sim:rm520n -o {} --format xqcn", global_, a));
    ASSERT_EQ(first.code, 0) << first.out;
    ASSERT_EQ(run(global_ + " sim set rm520n --state cfun5").code, 0);
    ASSERT_EQ(run(fmt::format("{} backup -d sim:rm520n -o {} --format xqcn", global_, wiped)).code,
              0);
    CliRun lost = run(fmt::format("{} --json backups diff {} {}", global_, a, wiped));
    EXPECT_EQ(lost.code, 8) << lost.out;
    auto missing = nlohmann::json::parse(lost.out)["differences"];
    // 126 NV items (3 subscriptions) + 1383 files, all gone. In QPST's layout the 126 /nvm
    // copies of the NV records are not files of their own (1509 in the bundle).
    EXPECT_EQ(missing.size(), 1509u);
    EXPECT_NE(missing.dump().find("NV 550 (NV_UE_IMEI_I) sub 0"), std::string::npos);
    CliRun restored = run(fmt::format("{} --yes restore {} -d sim:rm520n", global_, a));
    ASSERT_EQ(restored.code, 0) << restored.out;
    ASSERT_EQ(run(fmt::format("{} backup -d sim:rm520n -o {} --format xqcn", global_, b)).code, 0);
    CliRun same = run(fmt::format("{} --json backups diff {} {}", global_, a, b));
    EXPECT_EQ(same.code, 0) << same.out;
    auto j = nlohmann::json::parse(same.out);
    EXPECT_TRUE(j["identical"].get<bool>()) << same.out;
    EXPECT_TRUE(j["differences"].empty()) << same.out;
}

// A backup made by cellrescue converts to the files QPST would write (the byte-for-byte
// fixture comparison is unit_nv's QpstShape; here the real backup of a module).
TEST_F(CalibrationCli, ABackupConvertsToTheFilesQpstWouldWrite) {
    ASSERT_EQ(run(global_ + " sim set rm520n --state healthy").code, 0);
    auto bundle = (dir_ / "a.crb").string();
    ASSERT_EQ(run(fmt::format("{} backup -d sim:rm520n -o {}", global_, bundle)).code, 0);
    fs::path out = dir_ / "a_0.xqcn";
    CliRun conv = run(fmt::format("convert {} {}", bundle, out.string()));
    ASSERT_EQ(conv.code, 0) << conv.out;
    std::string text = slurp(out);
    EXPECT_EQ(text.back(), '>');
    EXPECT_NE(text.find("<Storage Name='" + fs::absolute(out).lexically_normal().string() + "'>"),
              std::string::npos);
    auto prov = text.find("<Storage Name='Provisioning_Item_Files'>");
    auto nv_items = text.find("<Storage Name='NV_Items'>");
    auto backup = text.find("<Storage Name='EFS_Backup'>");
    ASSERT_NE(prov, std::string::npos);
    EXPECT_LT(prov, nv_items);
    EXPECT_LT(nv_items, backup);
    // NV_Items is empty; no /nvm/num/550 file next to the NV 550 record.
    EXPECT_NE(text.find("<Storage Name='NV_Items'>\n        <Storage Name='EFS_Dir'/>"),
              std::string::npos);
    EXPECT_EQ(text.find("2F 6E 76 6D 2F 6E 75 6D 2F 35 35 30 "),
              std::string::npos);  // /nvm/num/550
    CliRun qcn = run(fmt::format("convert {} {}", bundle, (dir_ / "a.qcn").string()));
    ASSERT_EQ(qcn.code, 0) << qcn.out;
    CliRun back = run(fmt::format("convert {} {}", (dir_ / "a.qcn").string(), out.string()));
    ASSERT_EQ(back.code, 0) << back.out;
    EXPECT_EQ(slurp(out), text);  // the .qcn holds the same tree, byte for byte as XQCN
    CliRun same = run(fmt::format("{} backups diff {} {}", global_, bundle, out.string()));
    EXPECT_EQ(same.code, 0) << same.out;  // the bundle and its export hold the same contents
}

// Issue 12's "done when": QPST-shaped files of another module restore onto a virtual module
// with exit 0, the target's own IMEIs, ESN and MEID kept, and the report listing each.
TEST_F(CalibrationCli, ADonorFileRestoresWithTheTargetsOwnIdentityListed) {
    auto donor = (dir_ / "donor_0.xqcn").string();
    ASSERT_EQ(run(global_ + " sim set rm520n#2 --state healthy").code, 0);
    ASSERT_EQ(run(fmt::format("{} backup -d sim:rm520n#2 -o {}", global_, donor)).code, 0);
    CliRun show = run(global_ + " --json sim show rm520n");
    auto own = nlohmann::json::parse(show.out.substr(show.out.find('{'))).at("imeis");
    ASSERT_EQ(own.size(), 2u);
    std::string imeis =
        fmt::format("--imei {} --imei2 {}", own[0].get<std::string>(), own[1].get<std::string>());
    CliRun meid_before = run(global_ + " diag nv read 1943 -d sim:rm520n");
    CliRun esn_before = run(global_ + " --json diag nv read 0 -d sim:rm520n");

    CliRun r =
        run(fmt::format("{} --json --yes restore {} -d sim:rm520n {}", global_, donor, imeis));
    ASSERT_EQ(r.code, 0) << r.out;
    auto j = nlohmann::json::parse(r.out.substr(r.out.rfind("\n{") + 1));
    EXPECT_TRUE(j.at("verified").get<bool>());
    ASSERT_EQ(j.at("identity").size(), 4u);
    for (const auto& row : j.at("identity")) {
        EXPECT_EQ(row.at("action"), "kept") << row.dump();
        EXPECT_NE(row.at("target_before"), "") << row.dump();
    }
    EXPECT_EQ(j.at("identity")[0].at("written"), own[0]);
    EXPECT_EQ(j.at("identity")[1].at("written"), own[1]);
    EXPECT_NE(j.at("identity")[2].at("backup"), j.at("identity")[2].at("target_before"));
    EXPECT_EQ(run(global_ + " diag nv read 1943 -d sim:rm520n").out, meid_before.out);
    EXPECT_EQ(run(global_ + " --json diag nv read 0 -d sim:rm520n").out, esn_before.out);
    CliRun text = run(fmt::format("{} --yes restore {} -d sim:rm520n {}", global_, donor, imeis));
    EXPECT_EQ(text.code, 0) << text.out;
    EXPECT_NE(text.out.find("MEID"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("the donor's is not written"), std::string::npos) << text.out;

    // Another variant is refused (nothing written), unless allowed.
    ASSERT_EQ(run(global_ + " sim set rm520n --firmware RM520NGLAPR01A03M4G").code, 0);
    CliRun glap = run(fmt::format("{} --yes restore {} -d sim:rm520n {}", global_, donor, imeis));
    EXPECT_EQ(glap.code, 7) << glap.out;
    EXPECT_NE(glap.out.find("RM520N-GLAA"), std::string::npos) << glap.out;
    EXPECT_NE(glap.out.find("RM520N-GLAP"), std::string::npos) << glap.out;
    EXPECT_NE(glap.out.find("--allow-other-model"), std::string::npos) << glap.out;
    CliRun allowed = run(fmt::format("{} --yes restore {} -d sim:rm520n {} --allow-other-model",
                                     global_, donor, imeis));
    EXPECT_EQ(allowed.code, 0) << allowed.out;
    CliRun bad_spc =
        run(fmt::format("{} --yes restore {} -d sim:rm520n --spc 12ab", global_, donor));
    EXPECT_EQ(bad_spc.code, 2) << bad_spc.out;
}

TEST_F(CalibrationCli, ReadsInFlightOrOneAtATimeGiveTheSameBackup) {
    auto a = (dir_ / "a.xqcn").string(), b = (dir_ / "b.xqcn").string();
    ASSERT_EQ(run(global_ + " sim set rm520n --state healthy").code, 0);
    CliRun piped = run(fmt::format("{} backup -d sim:rm520n -o {} --pipeline 8", global_, a));
    ASSERT_EQ(piped.code, 0) << piped.out;
    CliRun single = run(fmt::format("{} backup -d sim:rm520n -o {} --pipeline 1", global_, b));
    ASSERT_EQ(single.code, 0) << single.out;
    CliRun same = run(fmt::format("{} backups diff {} {}", global_, a, b));
    EXPECT_EQ(same.code, 0) << same.out;
    CliRun zero = run(fmt::format("{} backup -d sim:rm520n --pipeline 0", global_));
    EXPECT_NE(zero.code, 0);
    EXPECT_NE(zero.out.find("--pipeline"), std::string::npos) << zero.out;
}

TEST_F(CalibrationCli, DonorEfs2InEdlGetsTheTargetsOwnImei) {
    // XDG_DATA_HOME keeps the programmer store inside the test directory.
    std::string env = fmt::format("XDG_DATA_HOME={} ", (dir_ / "xdg").string());
    std::string cr = env + std::string(CR_BINARY) + " " + global_;
    auto sh = [&](const std::string& args) {
        std::string cmd = fmt::format("{} {} 2>&1", cr, args);
        CliRun r;
        FILE* p = popen(cmd.c_str(), "r");
        char buf[4096];
        while (std::size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
        int status = pclose(p);
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return r;
    };
    std::string prog = (dir_ / "prog.elf").string();
    ASSERT_EQ(sh("sim make-programmer --model rm520n -o " + prog).code, 0);
    ASSERT_EQ(sh("sim set rm520n#2 --state edl").code, 0);
    CliRun b = sh("--json backup -d sim:rm520n#2 --programmer " + prog);
    ASSERT_EQ(b.code, 0) << b.out;
    auto j = nlohmann::json::parse(b.out.substr(b.out.rfind("\n{") + 1));
    ASSERT_TRUE(j.at("raw_partitions").get<bool>());
    std::string donor = j.at("bundle").get<std::string>();

    ASSERT_EQ(sh("sim set rm520n --state edl").code, 0);
    CliRun show = sh("--json sim show rm520n");
    auto own = nlohmann::json::parse(show.out.substr(show.out.find('{'))).at("imeis");
    ASSERT_EQ(own.size(), 2u);
    CliRun refused = sh(fmt::format("--yes restore {} -d sim:rm520n --programmer {}", donor, prog));
    EXPECT_EQ(refused.code, 7) << refused.out;
    EXPECT_NE(refused.out.find("--imei"), std::string::npos) << refused.out;
    CliRun ok =
        sh(fmt::format("--yes restore {} -d sim:rm520n --programmer {} --imei {} --imei2 {}", donor,
                       prog, own[0].get<std::string>(), own[1].get<std::string>()));
    EXPECT_EQ(ok.code, 0) << ok.out;
    EXPECT_NE(
        ok.out.find("IMEI now " + own[0].get<std::string>() + ", " + own[1].get<std::string>()),
        std::string::npos)
        << ok.out;
}

}  // namespace
