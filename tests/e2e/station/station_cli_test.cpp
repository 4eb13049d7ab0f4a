// The built binary as a station operator runs it: `flash -d ... -d ...` with a module dropped by
// its hub (exit code, JSON and JUnit files), `station` killed mid-flash and restarted (the
// journal shows the interrupted job, the module is redone, the done one not), SIGTERM letting
// the running job finish.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/e2e/cli_run.hpp"

extern char** environ;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string read_text(const fs::path& f) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class StationCli : public ::testing::Test {
  protected:
    fs::path root;
    std::string pkg;

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-e2e-station-XXXXXX").string();
        root = ::mkdtemp(tmpl.data());
        pkg = (root / "EC25EFAR06A06M4G").string();
        ASSERT_EQ(run("sim make-firmware --model ec25 --image-size 40000 -o " + pkg).code, 0);
    }
    void TearDown() override { fs::remove_all(root); }

    std::string globals() const {
        return " --sim-dir " + (root / "sim").string() + " --backup-dir " +
               (root / "backups").string() + " ";
    }
    std::vector<std::string> station_args() const {
        return {CR_BINARY,
                "--sim-dir",
                (root / "sim").string(),
                "--backup-dir",
                (root / "backups").string(),
                "--yes",
                "station",
                pkg,
                "--journal",
                (root / "journal.jsonl").string(),
                "--log-dir",
                (root / "logs").string(),
                "--lock-dir",
                (root / "locks").string(),
                "--poll-ms",
                "100",
                "--idle-timeout",
                "3"};
    }
    cr::testing::CliRun run(const std::string& args) const {
        return cr::testing::run_shell(std::string("timeout 300 ") + CR_BINARY + globals() + args +
                                      " 2>/dev/null");
    }
    // Starts the station in the background (output to files); returns its pid.
    pid_t spawn_station() const {
        auto args = station_args();
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        auto out = (root / "station.out").string(), err = (root / "station.err").string();
        posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        pid_t pid = -1;
        int rc = posix_spawn(&pid, CR_BINARY, &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        return rc == 0 ? pid : -1;
    }
    // Bounded wait for `needle` in `file`.
    static bool wait_for(const fs::path& file, const std::string& needle,
                         std::chrono::seconds limit = 90s) {
        auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            if (read_text(file).find(needle) != std::string::npos) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
    // Bounded wait for the process's end; its exit code, or -signal.
    static int reap(pid_t pid, std::chrono::seconds limit = 300s) {
        auto end = std::chrono::steady_clock::now() + limit;
        int status = 0;
        while (std::chrono::steady_clock::now() < end) {
            if (::waitpid(pid, &status, WNOHANG) == pid)
                return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            std::this_thread::sleep_for(50ms);
        }
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return -1000;
    }
};

}  // namespace

TEST_F(StationCli, FlashSeveralOneDroppedMidFlashExitsNonZeroAndReportsAll) {
    for (int i = 1; i <= 3; ++i)
        ASSERT_EQ(run("sim set ec25#" + std::to_string(i) + " --state edl").code, 0);
    ASSERT_EQ(run("sim unplug ec25#2 --after-bytes 100000").code, 0);
    auto report = root / "report.json", junit = root / "junit.xml";
    auto r = run("--yes flash " + pkg + " -d sim:ec25#1 -d sim:ec25#2 -d sim:ec25#3 --report " +
                 report.string() + " --junit " + junit.string() + " --lock-dir " +
                 (root / "locks").string() + " --log-dir " + (root / "logs").string());
    EXPECT_EQ(r.code, 5) << r.out;  // the dropped module's error: device gone
    auto j = nlohmann::json::parse(read_text(report));
    ASSERT_EQ(j["devices"].size(), 3u);
    EXPECT_EQ(j["devices"][0]["result"], "ok");
    EXPECT_EQ(j["devices"][1]["result"], "failed");
    EXPECT_FALSE(j["devices"][1]["partitions_done"].empty());
    EXPECT_TRUE(j["devices"][1]["backup_intact"].get<bool>());
    EXPECT_EQ(j["devices"][2]["result"], "ok");
    EXPECT_FALSE(j["all_ok"].get<bool>());
    auto xml = read_text(junit);
    EXPECT_NE(xml.find("tests=\"3\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("failures=\"1\""), std::string::npos) << xml;
    EXPECT_NE(r.out.find("sim:ec25#2"), std::string::npos) << r.out;  // summary table
}

TEST_F(StationCli, KilledMidFlashThenRestartedRedoesOnlyTheInterruptedModule) {
    ASSERT_EQ(run("sim set ec25#1 --state edl").code, 0);
    ASSERT_EQ(run("sim set ec25#2 --state edl").code, 0);
    pid_t pid = spawn_station();
    ASSERT_GT(pid, 0);
    auto journal = root / "journal.jsonl";
    // #1 done, #2 (one job at a time) in the middle of programming: then the station dies.
    ASSERT_TRUE(wait_for(journal, "\"job\":\"j2\"")) << read_text(root / "station.err");
    ASSERT_TRUE(wait_for(root / "logs" / "sim-ec25_2.log", "program tz done"));
    ::kill(pid, SIGKILL);
    EXPECT_EQ(reap(pid), -SIGKILL);
    std::string before = read_text(journal);
    EXPECT_EQ(before.find("\"event\":\"job_end\",\"exit_code\":0,\"job\":\"j2\""),
              std::string::npos);

    pid = spawn_station();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(reap(pid), 0) << read_text(root / "station.err");
    std::string text = read_text(journal);
    EXPECT_NE(text.find("\"event\":\"job_interrupted\",\"found_at_restart\":true,\"job\":\"j2\""),
              std::string::npos)
        << text;
    std::string err = read_text(root / "station.err");
    EXPECT_NE(err.find("sim:ec25#1 (0x"), std::string::npos) << err;
    EXPECT_NE(err.find("already done, not flashed again"), std::string::npos) << err;
    EXPECT_NE(err.find("job j2 was interrupted"), std::string::npos) << err;
    // Exactly one new job, for #2, and it ended ok.
    EXPECT_NE(text.find("\"device\":\"sim:ec25#2\",\"event\":\"job_start\",\"job\":\"j3\""),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("\"job\":\"j4\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"event\":\"job_end\",\"exit_code\":0,\"job\":\"j3\""), std::string::npos)
        << text;
}

TEST_F(StationCli, SigtermLetsTheRunningJobFinishAndJournalsTheStop) {
    ASSERT_EQ(run("sim set ec25#1 --state edl").code, 0);
    ASSERT_EQ(run("sim set ec25#2 --state edl").code, 0);
    pid_t pid = spawn_station();
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_for(root / "journal.jsonl", "\"job\":\"j1\""));
    ::kill(pid, SIGTERM);
    EXPECT_EQ(reap(pid), 0) << read_text(root / "station.err");
    std::string text = read_text(root / "journal.jsonl");
    EXPECT_NE(text.find("\"event\":\"job_end\",\"exit_code\":0,\"job\":\"j1\""), std::string::npos)
        << text;
    EXPECT_EQ(text.find("\"job\":\"j2\""), std::string::npos) << "no job starts after the signal";
    EXPECT_NE(text.find("\"reason\":\"signal SIGTERM\""), std::string::npos) << text;
}

TEST_F(StationCli, APlanWithoutAPackageArgumentAndABadPlan) {
    ASSERT_EQ(run("sim set ec25#1 --state normal").code, 0);
    auto plan = root / "plan.json";
    std::ofstream(plan) << R"({"models": {"EC25": "EC25EFAR06A06M4G"}, "report_dir": "reports",
                              "checks": ["backup_taken", "imei_unchanged"], "retries": 1})";
    auto r = run("--yes --json station --plan " + plan.string() + " --max-modules 1 --journal " +
                 (root / "j.jsonl").string() + " --lock-dir " + (root / "locks").string() +
                 " --log-dir " + (root / "logs").string());
    ASSERT_EQ(r.code, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["stop_reason"], "max modules");
    ASSERT_EQ(j["devices"].size(), 1u);
    EXPECT_EQ(j["devices"][0]["result"], "ok");
    // The plan's report_dir holds this run's JSON and JUnit.
    int json = 0, xml = 0;
    for (const auto& f : fs::directory_iterator(root / "reports")) {
        json += f.path().extension() == ".json";
        xml += f.path().extension() == ".xml";
    }
    EXPECT_EQ(json, 1);
    EXPECT_EQ(xml, 1);

    std::ofstream(plan, std::ios::trunc) << R"({"models": {"EC25": "x"}, "checks": ["imei"]})";
    auto bad = cr::testing::run_shell(std::string("timeout 60 ") + CR_BINARY + globals() +
                                      "--yes station --plan " + plan.string() + " 2>&1");
    EXPECT_EQ(bad.code, 10) << bad.out;
    EXPECT_NE(bad.out.find("checks[0]: unknown check 'imei'"), std::string::npos) << bad.out;

    // The same plan in TOML: flashes (a fresh journal: the module is not done there), and a bad
    // TOML plan names its key the same way.
    auto toml = root / "plan.toml";
    std::ofstream(toml) << "checks = [\"backup_taken\", \"imei_unchanged\"]\n"
                           "[models]\nEC25 = \"EC25EFAR06A06M4G\"\n";
    auto t = run("--yes --json station --plan " + toml.string() + " --max-modules 1 --journal " +
                 (root / "j2.jsonl").string() + " --lock-dir " + (root / "locks").string());
    ASSERT_EQ(t.code, 0) << t.out;
    auto tj = nlohmann::json::parse(t.out);
    ASSERT_EQ(tj["devices"].size(), 1u);
    EXPECT_EQ(tj["devices"][0]["result"], "ok");
    std::ofstream(toml, std::ios::trunc) << "checks = [\"imei\"]\nmodels = {EC25 = \"x\"}\n";
    auto badt = cr::testing::run_shell(std::string("timeout 60 ") + CR_BINARY + globals() +
                                       "--yes station --plan " + toml.string() + " 2>&1");
    EXPECT_EQ(badt.code, 10) << badt.out;
    EXPECT_NE(badt.out.find("plan.toml: checks[0]: unknown check 'imei'"), std::string::npos)
        << badt.out;
}

TEST_F(StationCli, ASecondSignalGivesUpOnTheRunningJobAndJournalsItInterrupted) {
    ASSERT_EQ(run("sim set ec25#1 --state edl").code, 0);
    pid_t pid = spawn_station();
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_for(root / "journal.jsonl", "\"job\":\"j1\""));
    ::kill(pid, SIGTERM);
    ASSERT_TRUE(wait_for(root / "station.err", "stopping (signal SIGTERM)"));
    ::kill(pid, SIGINT);
    EXPECT_EQ(reap(pid), 130) << read_text(root / "station.err");
    std::string text = read_text(root / "journal.jsonl");
    EXPECT_NE(text.find("\"event\":\"job_interrupted\",\"job\":\"j1\",\"note\":\"given up on at a "
                        "second stop signal\""),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\"abandoned\":true"), std::string::npos) << text;
    // The next station redoes it: interrupted is not done.
    pid = spawn_station();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(reap(pid), 0) << read_text(root / "station.err");
    text = read_text(root / "journal.jsonl");
    EXPECT_NE(text.find("\"event\":\"job_end\",\"exit_code\":0,\"job\":\"j2\""), std::string::npos)
        << text;
}
