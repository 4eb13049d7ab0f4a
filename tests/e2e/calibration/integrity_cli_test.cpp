// The built binary: .xqcn/.qcn exports carry a detached FILE.sha256 (sha256sum format); a file
// changed after export is refused before anything is written; a file without a digest restores
// with a warning that its integrity is unknown (issue 13 item 3).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/e2e/cli_run.hpp"

namespace fs = std::filesystem;

namespace {

using ShRun = cr::testing::CliRun;

ShRun sh(const std::string& cmd) {
    return cr::testing::run_shell(cmd);
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class Integrity : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-integrity-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        g_ = std::string(CR_BINARY) + " --sim-dir " + (dir_ / "sim").string() + " --backup-dir " +
             (dir_ / "b").string();
        xqcn_ = dir_ / "own.xqcn";
        ASSERT_EQ(sh(g_ + " backup -d sim:rm520n -o " + xqcn_.string() + " 2>/dev/null").code, 0);
    }
    void TearDown() override { fs::remove_all(dir_); }
    // Flips one hex digit inside an RF calibration file's data (the last stream value).
    void flip_a_digit() {
        std::string x = slurp(xqcn_);
        std::size_t v = x.rfind("Value='");
        ASSERT_NE(v, std::string::npos);
        char& c = x[v + 7];
        c = c == '0' ? '1' : '0';
        std::ofstream(xqcn_, std::ios::binary | std::ios::trunc) << x;
    }
    bool module_wiped() {  // diagnose: still efs2-wiped, exit 11
        ShRun d = sh(g_ + " --json diagnose -d sim:rm520n 2>/dev/null");
        return d.code == 11 && d.out.find("efs2-wiped") != std::string::npos;
    }
    fs::path dir_, xqcn_;
    std::string g_;
};

TEST_F(Integrity, ExportsCarryADigestInSha256sumFormat) {
    fs::path sum = xqcn_.string() + ".sha256";
    ASSERT_TRUE(fs::exists(sum));
    EXPECT_EQ(sh("cd " + dir_.string() + " && sha256sum -c --quiet own.xqcn.sha256").code, 0);
    fs::path qcn = dir_ / "own.qcn";
    ASSERT_EQ(sh(g_ + " convert " + xqcn_.string() + " " + qcn.string() + " 2>/dev/null").code, 0);
    EXPECT_EQ(sh("cd " + dir_.string() + " && sha256sum -c --quiet own.qcn.sha256").code, 0);
}

TEST_F(Integrity, AChangedDigitIsRefusedBeforeAnythingIsWritten) {
    flip_a_digit();
    ASSERT_EQ(sh(g_ + " sim set rm520n --state cfun5 >/dev/null").code, 0);
    ShRun r = sh(g_ + " --yes restore " + xqcn_.string() + " -d sim:rm520n 2>&1");
    EXPECT_EQ(r.code, 8) << r.out;  // verification: digest mismatch
    EXPECT_NE(r.out.find("does not match its digest"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("nothing was written"), std::string::npos) << r.out;
    EXPECT_TRUE(module_wiped());
    EXPECT_EQ(sh(g_ + " convert " + xqcn_.string() + " " + (dir_ / "x.crb").string()).code, 8);
    EXPECT_FALSE(fs::exists(dir_ / "x.crb"));
}

TEST_F(Integrity, WithoutADigestItRestoresWithAWarning) {
    fs::remove(xqcn_.string() + ".sha256");
    ASSERT_EQ(sh(g_ + " sim set rm520n --state cfun5 >/dev/null").code, 0);
    ShRun r = sh(g_ + " --yes --json restore " + xqcn_.string() + " -d sim:rm520n 2>/dev/null");
    ASSERT_EQ(r.code, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["integrity"], "unknown");
    EXPECT_NE(j["integrity_note"].get<std::string>().find("integrity is unknown"),
              std::string::npos);
    EXPECT_EQ(sh(g_ + " diagnose -d sim:rm520n >/dev/null 2>&1").code, 0);
}

TEST_F(Integrity, AFileThatIsNoCalibrationIsRefusedWithoutADigest) {
    fs::remove(xqcn_.string() + ".sha256");
    std::ofstream(dir_ / "empty.xqcn") << "<?xml version=\"1.0\"?><QCN_ROOT/>";
    ASSERT_EQ(sh(g_ + " sim set rm520n --state cfun5 >/dev/null").code, 0);
    ShRun r = sh(g_ + " --yes restore " + (dir_ / "empty.xqcn").string() + " -d sim:rm520n 2>&1");
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_TRUE(module_wiped());
}

}  // namespace
