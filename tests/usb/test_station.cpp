// The factory station through libusb: several virtual EC25 modules in EDL on one emulated-USB
// testbed (a hub), flashed at once; one is pulled off the bus mid-flash, one arrives late and
// station mode picks it up by polling discovery.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "sim/core/provisioning.hpp"
#include "sim/core/usb_presence.hpp"
#include "src/archive/bundle.hpp"
#include "src/discovery/usb_hotplug.hpp"
#include "src/package/sim_firmware.hpp"
#include "src/workflows/station/job_report.hpp"
#include "src/workflows/station/multi_flash.hpp"
#include "src/workflows/station/station.hpp"
#include "tests/usb/test_dir.hpp"
#include "tests/usb/usb_harness.hpp"

namespace cr::usbtest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace cr::workflows;

class StationUsbTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!UsbTestbed::under_preload()) GTEST_SKIP() << "run under umockdev-wrapper";
        bed = std::make_unique<UsbTestbed>();
        dir = fresh_test_dir("cr-usb-station");
        pkg = dir / "EC25EFAR06A06M4G";
        package::SimFirmwareOptions o;
        o.image_bytes = 40000;
        package::make_sim_firmware(sim::require_model("ec25"), pkg, o);
    }
    void TearDown() override {
        bed.reset();
        fs::remove_all(dir);
    }
    std::shared_ptr<sim::VirtualModule> edl_module(const std::string& id) {
        auto m = sim::VirtualModule::open(dir / "sim", id);
        sim::apply_state(*m, "edl", {});
        return m;
    }
    JobOptions job_options() const {
        JobOptions o;
        o.flash.package = pkg;
        o.flash.backup_dir = dir / "backups";
        o.flash.programmer_dir = dir / "programmers";
        // The emulated device cannot re-enumerate in normal mode after a reset: no reset.
        o.flash.reset = false;
        o.lock_dir = dir / "locks";
        o.log_dir = dir / "logs";
        return o;
    }
    static discovery::Options usb_only() {
        discovery::Options d;
        d.dev_dir.clear();
        return d;  // USB only: the modules are seen through libusb, not their sim directory
    }

    std::unique_ptr<UsbTestbed> bed;
    fs::path dir, pkg;
};

// Three modules on one hub; the hub drops the second mid-flash (past the backup, a few
// partitions in). The other two are verified; the dropped one is
// reported with the partitions done, whether it boots, and its backup intact.
TEST_F(StationUsbTest, ThreeAtOnceOneDroppedMidFlashTheOthersVerified) {
    auto a = edl_module("ec25#1"), b = edl_module("ec25#2"), c = edl_module("ec25#3");
    bed->add_edl(a, "1-1");
    EmulatedDevice& dropped = bed->add_edl(b, "1-2");
    bed->add_edl(c, "1-3");
    auto devices = flashable_devices(discovery::discover(usb_only()));
    ASSERT_EQ(devices.size(), 3u);

    // The hub drops the second module once its programmer took 100 KB of program data (the
    // virtual module stops answering there, what it wrote stays written); the testbed then
    // takes the device off the bus (pending URBs fail with ENODEV, "remove" uevent).
    sim::unplug(*b, 100000);
    std::jthread hub([&](std::stop_token st) {
        auto end = std::chrono::steady_clock::now() + 120s;
        while (!st.stop_requested() && std::chrono::steady_clock::now() < end) {
            if (sim::is_unplugged(b->state())) {
                bed->unplug(dropped);
                return;
            }
            std::this_thread::sleep_for(5ms);
        }
    });
    JobLogs logs;
    JobOptions o = job_options();
    o.logs = &logs;
    auto reports = run_flash_jobs(devices, o, 3);
    hub.request_stop();
    hub.join();
    ASSERT_EQ(reports.size(), 3u);
    ASSERT_TRUE(dropped.unplugged()) << "the hub never pulled the device";
    for (const auto& r : reports) {
        SCOPED_TRACE(r.device.name);
        if (r.device.usb_path == "1-2") {
            EXPECT_EQ(r.result, JobResult::failed);
            EXPECT_EQ(r.exit_code, 5) << r.error;  // device gone
            EXPECT_FALSE(r.partitions_done.empty()) << r.stage << ": " << r.error;
            EXPECT_FALSE(r.boot_state.empty());
            EXPECT_TRUE(r.verified.empty());
            ASSERT_TRUE(r.backup.has_value());
            ASSERT_TRUE(r.backup_intact.has_value());
            EXPECT_TRUE(*r.backup_intact);
            auto reader = archive::BundleReader::open(*r.backup);
            EXPECT_EQ(reader.manifest().identity.chip_serial, r.chip_serial);
            continue;
        }
        EXPECT_EQ(r.result, JobResult::ok) << r.error;
        EXPECT_GT(r.verified.size(), 5u);
        EXPECT_EQ(r.verified, r.partitions_done);
        EXPECT_TRUE(r.backup.has_value());
    }
    EXPECT_NE(reports[0].chip_serial, reports[2].chip_serial);
    auto j = runs_to_json(pkg.string(), reports);
    EXPECT_EQ(j["summary"]["ok"], 2);
    EXPECT_EQ(j["summary"]["failed"], 1);
}

// Station mode over USB: one module at the start, a second plugged into the hub once the first
// job is journaled; both are flashed once, the report file lists both.
TEST_F(StationUsbTest, StationPicksUpAModuleArrivingLate) {
    auto first = edl_module("ec25#1"), late = edl_module("ec25#2");
    bed->add_edl(first, "1-1");
    StationOptions o;
    o.job = job_options();
    o.journal = dir / "journal.jsonl";
    o.report = dir / "report.json";
    o.poll = 100ms;
    o.idle_timeout = 3s;
    o.discovery = usb_only();
    Station station(o);
    auto run = std::async(std::launch::async, [&] { return station.run(); });
    auto journal_has = [&](const std::string& needle) {
        auto end = std::chrono::steady_clock::now() + 120s;
        while (std::chrono::steady_clock::now() < end) {
            std::ifstream in(o.journal);
            std::stringstream ss;
            ss << in.rdbuf();
            if (ss.str().find(needle) != std::string::npos) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    };
    ASSERT_TRUE(journal_has("\"event\":\"job_end\""));
    bed->add_edl(late, "1-2");  // arrives late, on another port
    ASSERT_EQ(run.wait_for(240s), std::future_status::ready);
    StationRun r = run.get();
    ASSERT_EQ(r.reports.size(), 2u) << r.stop_reason;
    EXPECT_EQ(r.reports[0].device.usb_path, "1-1");
    EXPECT_EQ(r.reports[1].device.usb_path, "1-2");
    for (const auto& rep : r.reports) EXPECT_EQ(rep.result, JobResult::ok) << rep.error;
    EXPECT_EQ(r.stop_reason, "idle");
    std::ifstream rep(o.report);
    auto j = nlohmann::json::parse(rep);
    EXPECT_EQ(j["devices"].size(), 2u);
}

// libusb's hotplug callbacks fire under umockdev for an arrival and a departure.
TEST_F(StationUsbTest, HotplugReportsAnArrivalAndADeparture) {
    discovery::UsbHotplug hotplug;
    if (!hotplug.available()) GTEST_SKIP() << "libusb has no hotplug support here";
    auto wait_events = [&](std::uint64_t n) {
        auto end = std::chrono::steady_clock::now() + 10s;
        while (hotplug.events() < n && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(10ms);
        return hotplug.events();
    };
    EXPECT_EQ(hotplug.events(), 0u);
    EmulatedDevice& d = bed->add_edl(edl_module("ec25#1"), "1-1");
    EXPECT_GE(wait_events(1), 1u) << "no arrival event";
    bed->unplug(d);
    EXPECT_GE(wait_events(2), 2u) << "no departure event";
    EXPECT_GE(hotplug.consume(), 1u);
}

// With hotplug the station does not wait for its poll: the poll is 60 s here, yet a module
// plugged in late is flashed within seconds.
TEST_F(StationUsbTest, HotplugStartsALateModuleBeforeThePoll) {
    if (!discovery::UsbHotplug().available()) GTEST_SKIP() << "libusb has no hotplug support";
    auto first = edl_module("ec25#1"), late = edl_module("ec25#2");
    bed->add_edl(first, "1-1");
    StationOptions o;
    o.job = job_options();
    o.journal = dir / "journal.jsonl";
    o.poll = 60s;
    o.max_modules = 2;
    o.discovery = usb_only();
    Station station(o);
    auto run = std::async(std::launch::async, [&] { return station.run(); });
    auto journal_count = [&](const std::string& needle) {
        std::ifstream in(o.journal);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string t = ss.str();
        std::size_t n = 0;
        for (auto at = t.find(needle); at != std::string::npos; at = t.find(needle, at + 1)) ++n;
        return n;
    };
    auto wait_count = [&](const std::string& needle, std::size_t n, std::chrono::seconds limit) {
        auto end = std::chrono::steady_clock::now() + limit;
        while (journal_count(needle) < n && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(50ms);
        return journal_count(needle) >= n;
    };
    ASSERT_TRUE(wait_count("\"event\":\"job_end\"", 1, 120s));
    std::this_thread::sleep_for(500ms);  // the station is in its long wait now
    auto plugged = std::chrono::steady_clock::now();
    bed->add_edl(late, "1-2");
    bool started = wait_count("\"event\":\"job_start\"", 2, 20s);
    auto took = std::chrono::steady_clock::now() - plugged;
    if (!started) station.request_stop();
    ASSERT_EQ(run.wait_for(240s), std::future_status::ready);
    StationRun r = run.get();
    ASSERT_TRUE(started) << "the late module was not started within 20 s (poll is 60 s)";
    EXPECT_LT(took, 10s);
    EXPECT_GE(r.hotplug_events, 1u);
    ASSERT_EQ(r.reports.size(), 2u);
    EXPECT_EQ(r.reports[1].device.usb_path, "1-2");
    EXPECT_EQ(r.reports[1].result, JobResult::ok) << r.reports[1].error;
}

}  // namespace
}  // namespace cr::usbtest
