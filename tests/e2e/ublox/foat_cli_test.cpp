// The built binary: `cellrescue foat pkg -d sim:sara-r5` and the R4 path, as a user runs them.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Run {
    int status;
    std::string out;
};

Run run(const std::string& args, bool with_stderr = true) {
    std::string cmd =
        std::string(CR_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    int status = pclose(p);
    return {WEXITSTATUS(status), out};
}

class FoatCli : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("cr_foat_cli_" + std::to_string(getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        sim_ = "--sim-dir " + (dir_ / "sim").string() + " ";
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
    std::string sim_;
};

}  // namespace

TEST_F(FoatCli, SaraR5UpdateReportShowsBothVersions) {
    auto pkg = (dir_ / "pkg").string();
    ASSERT_EQ(
        run(sim_ + "sim make-package --model sara-r5 --version 02.08,A00.02 -o " + pkg).status, 0);
    ASSERT_EQ(run(sim_ + "sim ublox sara-r5 --time-scale 0.001").status, 0);
    auto r = run(sim_ + "foat " + pkg + " -d sim:sara-r5");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("before: ATI9 02.06,A00.01"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("after:  ATI9 02.08,A00.02"), std::string::npos) << r.out;
    auto v = run(sim_ + "at send ATI9 -d sim:sara-r5");
    EXPECT_NE(v.out.find("02.08,A00.02"), std::string::npos);
}

TEST_F(FoatCli, SaraR4PathWithTimeScaleJson) {
    auto pkg = (dir_ / "r4.pkg").string();
    ASSERT_EQ(run(sim_ + "sim set sara-r412m --firmware L0.0.00.00.05.12,A.02.19").status, 0);
    ASSERT_EQ(run(sim_ + "sim ublox sara-r412m --time-scale 0.001").status, 0);
    ASSERT_EQ(run(sim_ +
                  "sim make-package --model sara-r412m --version "
                  "L0.0.00.00.05.13,A.02.21 -o " +
                  pkg)
                  .status,
              0);
    auto r = run(sim_ + "--json foat " + pkg +
                     " -d sim:sara-r412m --baud 3000000 "
                     "--poll-interval 0.1",
                 false);
    ASSERT_EQ(r.status, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["before"]["ati9"], "L0.0.00.00.05.12,A.02.19");
    EXPECT_EQ(j["after"]["ati9"], "L0.0.00.00.05.13,A.02.21");
    EXPECT_EQ(j["updated"], true);
}

TEST_F(FoatCli, EngineeringFirmwareRefusedWithReason) {
    auto pkg = (dir_ / "r4.pkg").string();
    run(sim_ + "sim make-package --model sara-r412m --version L0.0.00.00.05.12,A.02.19 -o " + pkg);
    auto r = run(sim_ + "foat " + pkg + " -d sim:sara-r412m");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.out.find("engineering firmware M0.00.00"), std::string::npos) << r.out;
    auto cfun = run(sim_ + "at send AT+CFUN=1 -d sim:sara-r412m");
    EXPECT_NE(cfun.status, 0);
    EXPECT_NE(cfun.out.find("+CME ERROR: phone failure"), std::string::npos) << cfun.out;
}
