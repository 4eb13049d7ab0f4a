// Issue 13 item 4 through the built binary: what a killed backup leaves in the store is shown
// by `backups list`, removed by the next backup, and by `backups clean`.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

#include "tests/e2e/cli_run.hpp"

#include "src/archive/bundle.hpp"
#include "src/util/temp_file.hpp"

namespace {

namespace fs = std::filesystem;

using cr::testing::CliRun;

CliRun run(const std::string& args) {
    return cr::testing::run_shell(fmt::format("{} {} 2>&1", CR_BINARY, args));
}

// A writer process SIGKILLed while its bundle is half written (as a killed `backup` would be).
void leave_killed_bundle(const fs::path& target) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(ready[0]);
        cr::archive::DeviceIdentity id;
        id.model = "rm520n";
        cr::archive::BundleWriter w(target, cr::archive::BundleKind::calibration, id, {});
        w.add("nv/550/sub0", cr::as_bytes("half"));
        [[maybe_unused]] auto n = ::write(ready[1], "r", 1);
        ::sleep(30);  // bounded; killed long before
        ::_exit(3);
    }
    ::close(ready[1]);
    pollfd p{ready[0], POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 30000), 1);
    ::close(ready[0]);
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
}

std::size_t temp_files_in(const fs::path& dir) {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir))
        n += cr::is_temp_name(e.path().filename().string());
    return n;
}

class StoreCli : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               fmt::format("cr_e2e_store_{}_{}", getpid(),
                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(store());
        global_ =
            fmt::format("--sim-dir {} --backup-dir {}", (dir_ / "sim").string(), store().string());
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path store() const { return dir_ / "store"; }
    fs::path dir_;
    std::string global_;
};

TEST_F(StoreCli, KilledBackupIsListedThenRemovedByTheNextBackup) {
    leave_killed_bundle(store() / "20261203T090000Z-calibration-rm520n-x.crb");
    ASSERT_EQ(temp_files_in(store()), 1u);

    CliRun text = run(global_ + " backups list");
    EXPECT_EQ(text.code, 0) << text.out;
    EXPECT_NE(text.out.find("INCOMPLETE"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("left by an interrupted write"), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find("(empty)"), std::string::npos) << text.out;
    CliRun listed = run(global_ + " --json backups list");
    ASSERT_EQ(listed.code, 0) << listed.out;
    auto j = nlohmann::json::parse(listed.out);
    EXPECT_TRUE(j["bundles"].empty());
    ASSERT_EQ(j["incomplete"].size(), 1u) << listed.out;
    EXPECT_FALSE(j["incomplete"][0]["in_use"].get<bool>());
    EXPECT_EQ(temp_files_in(store()), 1u) << "listing must not remove anything";

    ASSERT_EQ(run(global_ + " sim set rm520n --state healthy").code, 0);
    CliRun backup = run(global_ + " backup -d sim:rm520n");
    ASSERT_EQ(backup.code, 0) << backup.out;
    EXPECT_NE(backup.out.find("left by an interrupted write"), std::string::npos) << backup.out;
    EXPECT_EQ(temp_files_in(store()), 0u);
    auto after = nlohmann::json::parse(run(global_ + " --json backups list").out);
    EXPECT_EQ(after["bundles"].size(), 1u);
    EXPECT_TRUE(after["incomplete"].empty());
}

TEST_F(StoreCli, CleanRemovesOrphansOnly) {
    leave_killed_bundle(store() / "a.crb");
    cr::LockedTemp running(store() / "b.crb");  // a write running now (this process)
    CliRun clean = run(global_ + " --json backups clean");
    ASSERT_EQ(clean.code, 0) << clean.out;
    auto j = nlohmann::json::parse(clean.out);
    EXPECT_EQ(j["removed"].size(), 1u) << clean.out;
    EXPECT_EQ(j["in_use"].get<int>(), 1) << clean.out;
    EXPECT_TRUE(fs::exists(running.path()));
    EXPECT_EQ(temp_files_in(store()), 1u);
}

}  // namespace
