// Station mode in-process: modules that arrive one after another (plugged in during the run),
// each flashed once; a stop request lets the running job finish and journals it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "sim/core/provisioning.hpp"
#include "sim/core/usb_presence.hpp"
#include "sim/core/virtual_module.hpp"
#include "src/package/sim_firmware.hpp"
#include "src/workflows/station/journal.hpp"
#include "src/workflows/station/station.hpp"
#include "src/workflows/station/station_plan.hpp"

namespace fs = std::filesystem;
using namespace cr;
using namespace cr::workflows;
using namespace std::chrono_literals;

namespace {

class StationMode : public ::testing::Test {
  protected:
    fs::path root, sim_dir, pkg;

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-station-mode-XXXXXX").string();
        root = ::mkdtemp(tmpl.data());
        sim_dir = root / "sim";
        pkg = root / "EC25EFAR06A06M4G";
        package::SimFirmwareOptions o;
        o.image_bytes = 40000;
        package::make_sim_firmware(sim::require_model("ec25"), pkg, o);
    }
    void TearDown() override { fs::remove_all(root); }

    std::shared_ptr<sim::VirtualModule> module(const std::string& id, const char* state) {
        auto m = sim::VirtualModule::open(sim_dir, id);
        sim::apply_state(*m, state, {});
        return m;
    }
    StationOptions options() {
        StationOptions o;
        o.job.flash.package = pkg;
        o.job.flash.backup_dir = root / "backups";
        o.job.flash.programmer_dir = root / "programmers";
        o.job.env = {sim_dir};
        o.job.lock_dir = root / "locks";
        o.job.come_back = 30000ms;
        o.journal = root / "journal.jsonl";
        o.report = root / "report.json";
        o.poll = 100ms;
        o.discovery.sim_dir = sim_dir;
        o.discovery.usb = false;
        o.discovery.dev_dir.clear();
        return o;
    }
    std::string journal_text() const {
        std::ifstream in(root / "journal.jsonl");
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    // Bounded: the station logs a job's start within a few polls.
    bool wait_for_journal(const std::string& needle, std::chrono::seconds limit = 60s) const {
        auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            if (journal_text().find(needle) != std::string::npos) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
};

TEST_F(StationMode, ModulesArrivingOneAfterAnotherAreEachFlashedOnce) {
    module("ec25#1", "normal");
    auto second = module("ec25#2", "edl");
    auto third = module("ec25#3", "normal");
    sim::unplug(*second);  // not there yet: plugged in while the station runs
    sim::unplug(*third);
    StationOptions o = options();
    o.idle_timeout = 3s;  // after the last one, a few idle polls see #1..#3 again: not redone
    auto run = std::async(std::launch::async, [o] { return Station(o).run(); });
    ASSERT_TRUE(wait_for_journal("\"job\":\"j1\""));
    sim::plug(*second);
    ASSERT_TRUE(wait_for_journal("\"job\":\"j2\""));
    {
        // j1 ended before j2 started: the report file already has it, and says the station runs.
        std::ifstream rep(root / "report.json");
        auto mid = nlohmann::json::parse(rep);
        EXPECT_GE(mid["devices"].size(), 1u);
        EXPECT_EQ(mid["devices"][0]["device"], "sim:ec25#1");
        EXPECT_EQ(mid["running"], true);
        EXPECT_TRUE(mid["stop_reason"].is_null());
    }
    sim::plug(*third);
    ASSERT_EQ(run.wait_for(300s), std::future_status::ready);
    StationRun r = run.get();
    EXPECT_EQ(r.stop_reason, "idle");
    ASSERT_EQ(r.reports.size(), 3u);
    std::set<std::string> serials;
    for (const auto& rep : r.reports) {
        SCOPED_TRACE(rep.device.name + ": " + rep.error);
        EXPECT_EQ(rep.result, JobResult::ok);
        ASSERT_TRUE(rep.backup);
        EXPECT_EQ(rep.backup_intact, std::optional<bool>(true));
        serials.insert(rep.chip_serial);
    }
    EXPECT_EQ(serials.size(), 3u);
    EXPECT_EQ(r.reports[0].device.name, "sim:ec25#1");
    EXPECT_EQ(r.reports[1].device.name, "sim:ec25#2");
    EXPECT_EQ(r.reports[2].device.name, "sim:ec25#3");
    // The journal has each job's start and end, and the report file all three.
    auto state = parse_journal(journal_text());
    ASSERT_EQ(state.jobs.size(), 3u);
    for (const auto& j : state.jobs) {
        EXPECT_EQ(j.result, "ok") << j.device;
        EXPECT_FALSE(j.backup.empty());
        EXPECT_TRUE(fs::exists(j.backup)) << j.backup;
    }
    std::ifstream rep(root / "report.json");
    auto json = nlohmann::json::parse(rep);
    EXPECT_EQ(json["devices"].size(), 3u);
    EXPECT_EQ(json["running"], false);
    EXPECT_EQ(json["stop_reason"], "idle");
    EXPECT_EQ(json["journal"], (root / "journal.jsonl").string());
}

TEST_F(StationMode, AModuleDoneInAnEarlierRunIsRecognisedBySerialAndNotFlashedAgain) {
    module("ec25#1", "edl");
    StationOptions o = options();
    o.max_modules = 1;
    auto first = Station(o).run();
    ASSERT_EQ(first.reports.size(), 1u);
    ASSERT_EQ(first.reports[0].result, JobResult::ok) << first.reports[0].error;
    // A new station (restart), the same module, plus a new one.
    module("ec25#2", "edl");
    o.max_modules = 0;
    o.idle_timeout = 2s;
    auto second = Station(o).run();
    ASSERT_EQ(second.reports.size(), 1u);
    EXPECT_EQ(second.reports[0].device.name, "sim:ec25#2");
    ASSERT_EQ(second.skipped.size(), 1u);
    EXPECT_NE(second.skipped[0].find("sim:ec25#1"), std::string::npos);
    EXPECT_NE(second.skipped[0].find("already done"), std::string::npos);
}

TEST_F(StationMode, AStopRequestLetsTheRunningJobFinishAndStartsNoOther) {
    module("ec25#1", "edl");
    module("ec25#2", "edl");
    StationOptions o = options();
    std::promise<Station*> made;
    auto station_ptr = made.get_future();
    auto run = std::async(std::launch::async, [o, &made] {
        Station s(o);
        made.set_value(&s);
        return s.run();
    });
    Station* s = station_ptr.get();
    ASSERT_TRUE(wait_for_journal("\"job\":\"j1\""));
    s->request_stop();
    ASSERT_EQ(run.wait_for(300s), std::future_status::ready);
    StationRun r = run.get();
    EXPECT_EQ(r.stop_reason, "stop requested");
    ASSERT_EQ(r.reports.size(), 1u);
    EXPECT_EQ(r.reports[0].result, JobResult::ok) << r.reports[0].error;
    auto state = parse_journal(journal_text());
    ASSERT_EQ(state.jobs.size(), 1u);
    EXPECT_EQ(state.jobs[0].result, "ok");
    EXPECT_NE(journal_text().find("\"reason\":\"stop requested\""), std::string::npos);
}

TEST_F(StationMode, ThePlanPicksThePackageByModelAndItsChecksDecide) {
    module("ec25#1", "normal");  // normal mode: its USB identity names the model
    StationOptions o = options();
    o.job.flash.package.clear();
    auto plan = parse_station_plan(
        R"({"models": {"EC25": {"package": "EC25EFAR06A06M4G", "firmware_after": "EC25EFAR06A06M4G"},
                      "RM500Q": {"package": "RM500Q", "firmware_after": "RM500QGLABR11A06M4G"}},
            "checks": ["backup_taken", "firmware_after", "imei_unchanged"]})",
        root);
    o.models = plan.models;
    o.job.checks = plan.checks;
    o.max_modules = 1;
    auto good = Station(o).run();
    ASSERT_EQ(good.reports.size(), 1u);
    const JobReport& r = good.reports[0];
    EXPECT_EQ(r.result, JobResult::ok) << r.error;
    ASSERT_EQ(r.checks.size(), 3u);
    for (const auto& c : r.checks) {
        EXPECT_TRUE(c.evaluated) << c.name;
        EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
    }
    // The same plan expecting other firmware: the next module is flashed but fails the check.
    module("ec25#2", "normal");
    o.models["EC25"].firmware_after = "EC25EFAR06A07M4G";
    auto bad = Station(o).run();
    ASSERT_EQ(bad.reports.size(), 1u);
    const JobReport& b = bad.reports[0];
    EXPECT_EQ(b.device.name, "sim:ec25#2");
    EXPECT_EQ(b.result, JobResult::failed);
    EXPECT_EQ(b.exit_code, 8);
    bool seen = false;
    for (const auto& c : b.checks)
        if (c.name == "firmware_after") {
            seen = true;
            EXPECT_FALSE(c.passed);
            EXPECT_NE(c.detail.find("plan wants 'EC25EFAR06A07M4G'"), std::string::npos)
                << c.detail;
        }
    EXPECT_TRUE(seen);
}

TEST_F(StationMode, AStrictCheckThatCannotBeEvaluatedFailsTheModule) {
    module("ec25", "edl");  // arrives in EDL: no IMEI before the flash
    StationOptions o = options();
    o.job.checks =
        parse_station_plan(R"({"models": {"EC25": "x"}, "checks": ["imei_unchanged"]})", root)
            .checks;
    o.max_modules = 1;
    auto run = Station(o).run();
    ASSERT_EQ(run.reports.size(), 1u);
    EXPECT_EQ(run.reports[0].result, JobResult::failed);
    ASSERT_EQ(run.reports[0].checks.size(), 1u);
    EXPECT_FALSE(run.reports[0].checks[0].evaluated);
}

}  // namespace
