// The built binary: diagnose --json on a CFUN=5 module, rescue without a backup, the demo.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct CliRun {
    int code = -1;
    std::string out;
};

// Runs the binary with a shell command line; stdout only (stderr to /dev/null unless asked).
CliRun run(const std::string& args, bool with_stderr = false) {
    std::string cmd = std::string(CR_BINARY) + " " + args +
                      (with_stderr ? " 2>&1" : " 2>/dev/null") + " </dev/null";
    CliRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
    int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

class RescueE2e : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "cr-e2e-rescue-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        g_ = "--sim-dir " + (dir_ / "sim").string() + " --backup-dir " + (dir_ / "b").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
    std::string g_;
};

TEST_F(RescueE2e, DiagnoseJsonNamesEfs2WipedWithEvidence) {
    ASSERT_EQ(run(g_ + " sim set rm520n --state cfun5").code, 0);
    CliRun r = run(g_ + " --json diagnose -d sim:rm520n");
    ASSERT_EQ(r.code, 11) << r.out;  // a critical finding: diagnose's own exit status
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["findings"][0]["id"], "efs2-wiped");
    EXPECT_EQ(j["healthy"], false);
    bool cfun5 = false;
    for (const auto& e : j["findings"][0]["evidence"])
        cfun5 |= e["query"] == "AT+CFUN?" &&
                 e["reply"].get<std::string>().find("+CFUN: 5") != std::string::npos;
    EXPECT_TRUE(cfun5) << r.out;
}

TEST_F(RescueE2e, RescueWithoutBackupExplainsAndExitsSafety) {
    ASSERT_EQ(run(g_ + " sim set rm520n --state cfun5").code, 0);
    CliRun r = run(g_ + " --json rescue -d sim:rm520n --yes");
    EXPECT_EQ(r.code, 7) << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["outcome"], "needs-decision");
    EXPECT_TRUE(j["steps"].empty());
    CliRun again = run(g_ + " --json diagnose -d sim:rm520n");
    EXPECT_EQ(nlohmann::json::parse(again.out)["cfun"], 5);  // untouched
}

TEST_F(RescueE2e, ModuleInEdlNeedsAPackageThenIsReflashedAndVerified) {
    std::string pkg = (dir_ / "pkg").string();
    ASSERT_EQ(run(g_ + " backup -d sim:rm520n").code, 0);
    ASSERT_EQ(run(g_ + " sim make-firmware --model rm520n -o " + pkg).code, 0);
    ASSERT_EQ(run(g_ + " sim set rm520n --state edl").code, 0);
    CliRun no_pkg = run(g_ + " --json rescue -d sim:rm520n --yes");
    EXPECT_EQ(no_pkg.code, 7) << no_pkg.out;
    EXPECT_EQ(nlohmann::json::parse(no_pkg.out)["before"]["findings"][0]["id"], "edl-mode");
    CliRun r = run(g_ + " --json rescue -d sim:rm520n --yes --package " + pkg);
    ASSERT_EQ(r.code, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["outcome"], "repaired");
    EXPECT_EQ(j["steps"][0]["action"], "flash");
    EXPECT_EQ(j["verification"]["ok"], true);
}

TEST_F(RescueE2e, DemoRunsToTheEndWithTheModuleBackAtCfun1) {
    CliRun r = run("demo --dir " + (dir_ / "demo").string(), true);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("efs2-wiped"), std::string::npos);
    EXPECT_NE(r.out.find("outcome:   repaired"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("now:       CFUN=1"), std::string::npos);
    EXPECT_NE(r.out.find("$ cellrescue --sim-dir"), std::string::npos);
    // Every step ran as the real command: the EDL erase and reset needed no fallback.
    EXPECT_EQ(r.out.find("!!! that step failed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("erased efs2"), std::string::npos) << r.out;
    // The printed commands work step by step: the module they name is now healthy.
    CliRun d = run("--sim-dir " + (dir_ / "demo" / "sim").string() + " --backup-dir " +
                   (dir_ / "demo" / "backups").string() + " --json diagnose -d sim:rm520n");
    EXPECT_EQ(d.code, 0) << d.out;
    auto j = nlohmann::json::parse(d.out);
    EXPECT_EQ(j["healthy"], true);
    EXPECT_EQ(j["cfun"], 1);
}

}  // namespace
