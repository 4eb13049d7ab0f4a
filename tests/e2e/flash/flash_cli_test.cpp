// The built binary: make-firmware, flash --dry-run --json, flash, backups list --json.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace fs = std::filesystem;

namespace {

struct CliRun {
    int code;
    std::string out;
};

class FlashCli : public ::testing::Test {
  protected:
    fs::path root;
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-e2e-flash-XXXXXX").string();
        root = ::mkdtemp(tmpl.data());
    }
    void TearDown() override { fs::remove_all(root); }

    CliRun run(const std::string& args) {
        std::string cmd = std::string("timeout 300 ") + CR_BINARY + " --sim-dir " +
                          (root / "sim").string() + " --backup-dir " + (root / "backups").string() +
                          " " + args + " 2>/dev/null";
        CliRun r{0, {}};
        FILE* p = ::popen(cmd.c_str(), "r");
        std::array<char, 4096> buf{};
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p))
            r.out.append(buf.data(), n);
        int status = ::pclose(p);
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return r;
    }
};

}  // namespace

TEST_F(FlashCli, DryRunThenFactoryFlashWithBackupThenList) {
    auto pkg = (root / "ec25.zip").string();
    ASSERT_EQ(run("sim make-firmware --model ec25 --with-factory -o " + pkg).code, 0);
    ASSERT_EQ(run("sim set ec25 --state edl").code, 0);

    CliRun dry = run("--json flash " + pkg + " --dry-run --factory");
    ASSERT_EQ(dry.code, 0) << dry.out;
    auto plan = nlohmann::json::parse(dry.out);
    EXPECT_TRUE(plan["dry_run"].get<bool>());
    EXPECT_EQ(plan["plan"]["steps"][0]["action"], "erase");
    EXPECT_TRUE(plan["plan"]["steps"][0]["sbl"].get<bool>());
    EXPECT_EQ(plan["plan"]["calibration_regions"][0]["label"], "efs2");
    EXPECT_EQ(plan["plan"]["calibration_regions"][0]["start_sector"], 1280);

    // Half the override is a usage error (exit 2), nothing happens.
    EXPECT_EQ(run("--yes flash " + pkg + " -d sim:ec25 --factory --no-backup").code, 2);
    // Without --yes and without a terminal: refused (safety, exit 7).
    EXPECT_EQ(run("flash " + pkg + " -d sim:ec25 < /dev/null").code, 7);

    CliRun flash = run("--yes --json flash " + pkg + " -d sim:ec25 --factory");
    ASSERT_EQ(flash.code, 0) << flash.out;
    auto report = nlohmann::json::parse(flash.out);
    ASSERT_TRUE(report["calibration_backup"].is_string());
    EXPECT_GT(report["total_bytes"].get<std::uint64_t>(), 0u);

    CliRun list = run("--json backups list");
    ASSERT_EQ(list.code, 0);
    auto bundles = nlohmann::json::parse(list.out)["bundles"];
    ASSERT_EQ(bundles.size(), 1u);
    EXPECT_EQ(bundles[0]["kind"], "partition");
    EXPECT_EQ(bundles[0]["entries"][0]["name"], "efs2");
    EXPECT_EQ(bundles[0]["file"], report["calibration_backup"]);
}
