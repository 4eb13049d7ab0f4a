// The built binary against a virtual EC25 in EDL: programmer upload, partitions, a
// write/verify/read/erase round trip, the calibration guard and the programmer store.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "sim/core/virtual_module.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/util/atomic_file.hpp"

namespace cr {
namespace {

namespace fs = std::filesystem;

struct Result {
    int code = -1;
    std::string out;
};

class EdlCli : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("cr_fh_e2e_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_);
        auto module = sim::VirtualModule::open(root_ / "sim", "ec25");
        programmer_ = root_ / "prog_nand_firehose_9x07.mbn";
        write_file_atomically(programmer_,
                              sim::make_virtual_programmer(
                                  {module->model().msm_hw_id, module->state().pk_hash_hex, "ec25"},
                                  sim::kDefaultProgrammerSize));
        ASSERT_EQ(run("sim set ec25 --state edl").code, 0);
    }
    void TearDown() override { fs::remove_all(root_); }

    Result run(const std::string& args) {
        std::string cmd = "CELLRESCUE_PROGRAMMER_DIR='" + (root_ / "programmers").string() + "' '" +
                          CR_BINARY + "' --sim-dir '" + (root_ / "sim").string() +
                          "' --backup-dir '" + (root_ / "backups").string() + "' " + args + " 2>'" +
                          (root_ / "stderr.txt").string() + "'";
        Result r;
        FILE* p = ::popen(cmd.c_str(), "r");
        std::array<char, 4096> buf;
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p))
            r.out.append(buf.data(), n);
        int status = ::pclose(p);
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return r;
    }
    std::string stderr_text() {
        std::ifstream in(root_ / "stderr.txt");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    std::string dev() const { return " -d sim:ec25"; }

    fs::path root_;
    fs::path programmer_;
};

TEST_F(EdlCli, PartitionsAfterUploadThenRoundTripWithoutProgrammer) {
    Result r = run("edl partitions --json --programmer '" + programmer_.string() + "'" + dev());
    ASSERT_EQ(r.code, 0) << stderr_text();
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["table"], "mibib");
    bool efs2_is_calibration = false;
    for (const auto& p : j["partitions"])
        if (p["name"] == "efs2") efs2_is_calibration = p["calibration"];
    EXPECT_TRUE(efs2_is_calibration);

    // The store now knows the programmer; the running programmer is reused either way.
    r = run("programmers list --json");
    ASSERT_EQ(r.code, 0) << stderr_text();
    EXPECT_EQ(nlohmann::json::parse(r.out)["programmers"].size(), 1u);

    fs::path image = root_ / "boot.img";
    {
        std::mt19937 rng(1);
        std::ofstream out(image, std::ios::binary);
        for (int i = 0; i < 300001; ++i) out.put(static_cast<char>(rng()));
    }
    r = run("-y edl write boot '" + image.string() + "'" + dev());
    ASSERT_EQ(r.code, 0) << stderr_text();
    r = run("edl verify boot '" + image.string() + "' --json" + dev());
    ASSERT_EQ(r.code, 0) << stderr_text();
    EXPECT_TRUE(nlohmann::json::parse(r.out)["match"].get<bool>());

    fs::path back = root_ / "boot.back";
    r = run("edl read boot -o '" + back.string() + "'" + dev());
    ASSERT_EQ(r.code, 0) << stderr_text();
    EXPECT_EQ(fs::file_size(back), 2560u * 4096);
    Bytes a = read_file(image), b = read_file(back);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));

    r = run("-y edl erase boot" + dev());
    ASSERT_EQ(r.code, 0) << stderr_text();
    r = run("edl verify boot '" + image.string() + "'" + dev());
    EXPECT_EQ(r.code, 8) << stderr_text();  // VerifyError after the erase

    r = run("edl read --start 0x280 --count 2 -o '" + (root_ / "mibib.bin").string() + "'" + dev());
    ASSERT_EQ(r.code, 0) << stderr_text();
    EXPECT_EQ(fs::file_size(root_ / "mibib.bin"), 8192u);
}

TEST_F(EdlCli, CalibrationEraseBacksUpFirstOrNeedsBothOverrides) {
    Result r =
        run("-y edl erase efs2 --no-backup --programmer '" + programmer_.string() + "'" + dev());
    EXPECT_EQ(r.code, 2) << stderr_text();  // one override alone is a usage error
    EXPECT_NE(stderr_text().find("--i-understand-calibration-loss"), std::string::npos);

    r = run("-y edl erase efs2 --json" + dev());
    ASSERT_EQ(r.code, 0) << stderr_text();
    auto j = nlohmann::json::parse(r.out);
    ASSERT_FALSE(j["backup"].get<std::string>().empty());
    EXPECT_TRUE(fs::exists(j["backup"].get<std::string>()));
}

TEST_F(EdlCli, ErrorsSayWhatToDo) {
    Result r = run("edl partitions" + dev());  // no programmer, none in the store
    EXPECT_EQ(r.code, 3) << stderr_text();
    EXPECT_NE(stderr_text().find("--programmer"), std::string::npos) << stderr_text();

    r = run("edl read nosuch --programmer '" + programmer_.string() + "'" + dev());
    EXPECT_EQ(r.code, 3);
    EXPECT_NE(stderr_text().find("efs2"), std::string::npos) << stderr_text();  // lists names

    r = run("-y edl reset" + dev());
    ASSERT_EQ(r.code, 0) << stderr_text();
    r = run("sim show ec25 --json");
    EXPECT_NE(r.out.find("normal"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cr
