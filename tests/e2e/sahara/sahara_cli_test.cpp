// The built binary (CR_BINARY) against virtual modules in a temporary --sim-dir: info, edl load,
// edl ramdump, sim make-programmer, and the errors a user sees for bad programmer files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "src/util/digest.hpp"

namespace cr {
namespace {

namespace fs = std::filesystem;

struct Result {
    int code = -1;
    std::string out;
};

class SaharaCli : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("cr_sahara_e2e_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(root_); }

    Result run(const std::string& args) {
        std::string cmd = std::string("'") + CR_BINARY + "' --sim-dir '" +
                          (root_ / "sim").string() + "' " + args + " 2>'" +
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
    std::string err() {
        std::ifstream in(root_ / "stderr.txt");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    nlohmann::json state(const std::string& id) {
        auto r = run("--json sim show " + id);
        EXPECT_EQ(r.code, 0);
        return nlohmann::json::parse(r.out);
    }
    std::string p(const std::string& name) { return (root_ / name).string(); }
    fs::path root_;
};

TEST_F(SaharaCli, InfoShowsTheRm520nChipIdentity) {
    ASSERT_EQ(run("sim set rm520n --state edl").code, 0);
    auto r = run("--json info -d sim:rm520n");
    ASSERT_EQ(r.code, 0) << err();
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["msm_hw_id"], "0x001990e1");
    EXPECT_EQ(j["mode"], "EDL");
    EXPECT_EQ(j["sahara"]["version"], 3);
    auto st = state("rm520n");
    EXPECT_EQ(j["pk_hash"], st["pk_hash"]);
    EXPECT_EQ(j["serial"].get<std::string>(),
              fmt::format("{:#010x}", st["serial"].get<std::uint32_t>()));
    EXPECT_EQ(j["pk_hash"].get<std::string>().size(), 64u);
    EXPECT_EQ(j["serial"].get<std::string>().size(), 10u);
    // Text form too.
    auto t = run("info -d sim:rm520n");
    ASSERT_EQ(t.code, 0);
    EXPECT_NE(t.out.find("MSM HW ID    0x001990e1"), std::string::npos) << t.out;
}

TEST_F(SaharaCli, InfoEc25IsV2WithMsmHwId) {
    ASSERT_EQ(run("sim set ec25 --state edl").code, 0);
    auto j = nlohmann::json::parse(run("--json info -d sim:ec25").out);
    EXPECT_EQ(j["msm_hw_id"], "0x000480e1");
    EXPECT_EQ(j["sahara"]["version"], 2);
    EXPECT_TRUE(j["refused"].empty());
}

TEST_F(SaharaCli, InfoInNormalModePointsToDiagnose) {
    auto r = run("--json info -d sim:rm520n");
    ASSERT_EQ(r.code, 0) << err();
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["mode"], "normal");
    EXPECT_NE(j["notes"][0].get<std::string>().find("cellrescue diagnose"), std::string::npos);
}

TEST_F(SaharaCli, LoadUploadsByteExactAndLeavesFirehoseRunning) {
    ASSERT_EQ(run("sim make-programmer --model rm520n -o " + p("prog.elf")).code, 0) << err();
    EXPECT_EQ(fs::file_size(p("prog.elf")), 600u * 1024);
    ASSERT_EQ(run("sim set rm520n --state edl").code, 0);
    auto r = run("--json edl load " + p("prog.elf") + " -d sim:rm520n");
    ASSERT_EQ(r.code, 0) << err();
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["image_id"], 13);
    auto st = state("rm520n");
    EXPECT_TRUE(st["firehose_running"].get<bool>());
    EXPECT_EQ(st["extra"]["sahara"]["last_programmer_sha256"],
              file_digest_hex(p("prog.elf"), Digest::Algorithm::sha256));
}

TEST_F(SaharaCli, ProgrammerForAnotherChipIsASecureBootRejection) {
    ASSERT_EQ(run("sim make-programmer --model ec25 -o " + p("ec25.mbn") + " --size 65536").code,
              0);
    ASSERT_EQ(run("sim set rm520n --state edl").code, 0);
    auto r = run("edl load " + p("ec25.mbn") + " -d sim:rm520n");
    EXPECT_EQ(r.code, 6);  // protocol
    EXPECT_NE(err().find("0x0d"), std::string::npos) << err();
    EXPECT_NE(err().find("secure boot"), std::string::npos) << err();
    EXPECT_FALSE(state("rm520n")["firehose_running"].get<bool>());
}

TEST_F(SaharaCli, MissingEmptyAndTruncatedProgrammers) {
    ASSERT_EQ(run("sim set ec25 --state edl").code, 0);
    auto r = run("edl load " + p("nope.mbn") + " -d sim:ec25");
    EXPECT_EQ(r.code, 3) << err();
    EXPECT_NE(err().find("does not exist"), std::string::npos);
    { std::ofstream(p("empty.mbn")); }
    EXPECT_EQ(run("edl load " + p("empty.mbn") + " -d sim:ec25").code, 2);
    EXPECT_NE(err().find("empty"), std::string::npos);
    ASSERT_EQ(run("sim make-programmer --model ec25 -o " + p("full.mbn")).code, 0);
    fs::copy_file(p("full.mbn"), p("cut.mbn"));
    fs::resize_file(p("cut.mbn"), 300 * 1024);
    EXPECT_EQ(run("edl load " + p("cut.mbn") + " -d sim:ec25").code, 2);
    EXPECT_NE(err().find("truncated"), std::string::npos) << err();
    // The module is still in EDL and takes the whole file afterwards.
    EXPECT_EQ(run("edl load " + p("full.mbn") + " -d sim:ec25").code, 0) << err();
}

TEST_F(SaharaCli, RamdumpWritesOneFilePerRegionAndAnIndex) {
    ASSERT_EQ(run("sim set rm520n --state crashdump").code, 0);
    auto r = run("--json edl ramdump -o " + p("dump") + " -d sim:rm520n");
    ASSERT_EQ(r.code, 0) << err();
    auto index = nlohmann::json::parse(std::ifstream(p("dump/index.json")));
    ASSERT_EQ(index["regions"].size(), 4u);
    for (const auto& reg : index["regions"]) {
        fs::path f = root_ / "dump" / reg["file"].get<std::string>();
        ASSERT_TRUE(fs::exists(f)) << f;
        EXPECT_EQ(fs::file_size(f), reg["length"].get<std::uint64_t>());
        EXPECT_EQ(file_digest_hex(f, Digest::Algorithm::sha256), reg["sha256"]);
    }
    EXPECT_EQ(state("rm520n")["mode"], "normal");  // rebooted after the dump
    // A module that is not crashed has no dump to give.
    ASSERT_EQ(run("sim set rm520n --state edl").code, 0);
    EXPECT_EQ(run("edl ramdump -o " + p("dump2") + " -d sim:rm520n").code, 6);
    EXPECT_NE(err().find("not in crash-dump mode"), std::string::npos) << err();
}

}  // namespace
}  // namespace cr
