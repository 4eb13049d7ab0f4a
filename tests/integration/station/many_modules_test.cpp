// Many virtual modules flashed at once through the station's job runner: a hub dropping one
// mid-flash, two workers racing for one module, a package for another model.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>

#include "sim/core/provisioning.hpp"
#include "sim/core/usb_presence.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/core/write_rate.hpp"
#include "src/archive/bundle.hpp"
#include "src/package/sim_firmware.hpp"
#include "src/util/digest.hpp"
#include "src/workflows/station/job_report.hpp"
#include "src/workflows/station/multi_flash.hpp"

namespace fs = std::filesystem;
using namespace cr;
using namespace cr::workflows;

namespace {

class ManyModules : public ::testing::Test {
  protected:
    fs::path root, sim_dir, store, pkg;

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-station-XXXXXX").string();
        root = ::mkdtemp(tmpl.data());
        sim_dir = root / "sim";
        store = root / "backups";
        pkg = make_package("ec25", root / "EC25EFAR06A06M4G");
    }
    void TearDown() override { fs::remove_all(root); }

    fs::path make_package(const std::string& model, const fs::path& out) {
        package::SimFirmwareOptions o;
        o.image_bytes = 40000;
        package::make_sim_firmware(sim::require_model(model), out, o);
        return out;
    }
    std::shared_ptr<sim::VirtualModule> module(const std::string& id, const char* state) {
        auto m = sim::VirtualModule::open(sim_dir, id);
        sim::apply_state(*m, state, {});
        return m;
    }
    JobOptions options() {
        JobOptions o;
        o.flash.package = pkg;
        o.flash.backup_dir = store;
        o.flash.programmer_dir = root / "programmers";
        o.env = {sim_dir};
        o.lock_dir = root / "locks";
        o.log_dir = root / "logs";
        o.come_back = Millis(30000);
        return o;
    }
    std::vector<JobDevice> devices(const std::vector<std::string>& ids) {
        discovery::Options d;
        d.sim_dir = sim_dir;
        d.usb = false;
        d.dev_dir.clear();
        std::vector<std::string> names;
        for (const auto& id : ids) names.push_back("sim:" + id);
        return named_devices(discovery::discover(d), names);
    }
    static std::string digest(const fs::path& f) {
        return file_digest_hex(f, Digest::Algorithm::sha256);
    }
};

TEST_F(ManyModules, EightAtOnceOneDroppedByItsHubSevenVerifiedAllEightReported) {
    std::vector<std::string> ids;
    for (int i = 1; i <= 8; ++i) {
        ids.push_back("ec25#" + std::to_string(i));
        module(ids.back(), "normal");
    }
    // The hub drops #5 once 100 KB of program data went in: after a few partitions.
    auto dropped = sim::VirtualModule::open(sim_dir, "ec25#5");
    sim::unplug(*dropped, 100000);

    JobLogs logs;
    JobOptions o = options();
    o.logs = &logs;
    auto reports = run_flash_jobs(devices(ids), o, 8);
    ASSERT_EQ(reports.size(), 8u);
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const JobReport& r = reports[i];
        SCOPED_TRACE(r.device.name + ": " + r.error);
        ASSERT_TRUE(r.backup) << "every module's calibration is backed up first";
        EXPECT_EQ(r.backup_intact, std::optional<bool>(true));
        EXPECT_FALSE(r.chip_serial.empty());
        std::ifstream log(r.log_file);
        std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        EXPECT_NE(text.find(r.device.name + ": job starts"), std::string::npos) << r.log_file;
        for (const auto& other : reports) {  // its own lines only
            if (other.device.name == r.device.name) continue;
            EXPECT_EQ(text.find(other.device.name + ": job"), std::string::npos);
        }
        if (r.device.name == "sim:ec25#5") {
            EXPECT_EQ(r.result, JobResult::failed);
            EXPECT_EQ(r.exit_code, 5);  // device gone
            EXPECT_FALSE(r.partitions_done.empty());
            EXPECT_LT(r.partitions_done.size(), 5u);
            EXPECT_NE(r.boot_state.find("SBL is ERASED"), std::string::npos) << r.boot_state;
            EXPECT_TRUE(r.verified.empty());
            continue;
        }
        EXPECT_EQ(r.result, JobResult::ok);
        EXPECT_EQ(r.exit_code, 0);
        EXPECT_GT(r.verified.size(), 5u);
        EXPECT_EQ(r.verified, r.partitions_done);
        EXPECT_FALSE(r.imei_before.empty());
        EXPECT_EQ(r.imei_before, r.imei_after);
        EXPECT_FALSE(r.firmware_after.empty());
    }
    EXPECT_FALSE(all_ok(reports));
    // The JSON lists all eight, the dropped one with its state.
    auto j = runs_to_json(pkg.string(), reports);
    ASSERT_EQ(j["devices"].size(), 8u);
    EXPECT_EQ(j["summary"]["ok"], 7);
    EXPECT_EQ(j["summary"]["failed"], 1);
    EXPECT_EQ(j["devices"][4]["result"], "failed");
    EXPECT_FALSE(j["devices"][4]["partitions_done"].empty());
    EXPECT_TRUE(j["devices"][4]["backup_intact"].get<bool>());
    // The dropped module's bundle is the calibration of that module, not another's.
    auto reader = archive::BundleReader::open(*reports[4].backup);
    EXPECT_EQ(reader.manifest().identity.chip_serial, reports[4].chip_serial);
    EXPECT_NE(reports[4].chip_serial, reports[3].chip_serial);
    auto junit = to_junit("EC25", reports);
    EXPECT_NE(junit.find("tests=\"8\""), std::string::npos) << junit;
    EXPECT_NE(junit.find("failures=\"1\""), std::string::npos) << junit;
}

TEST_F(ManyModules, TwoWorkersForOneModuleTheSecondIsRefused) {
    module("ec25", "edl");
    auto reports = run_flash_jobs(devices({"ec25", "ec25"}), options(), 2);
    ASSERT_EQ(reports.size(), 2u);
    int ok = 0, refused = 0;
    for (const auto& r : reports) {
        ok += r.result == JobResult::ok;
        refused += r.result == JobResult::refused;
        if (r.result == JobResult::refused) {
            EXPECT_NE(r.error.find("already being worked on"), std::string::npos) << r.error;
            EXPECT_EQ(r.exit_code, 7);
        }
    }
    EXPECT_EQ(ok, 1);
    EXPECT_EQ(refused, 1);
}

TEST_F(ManyModules, PackageForAnotherModelIsRefusedBeforeAnythingIsWritten) {
    auto m = module("ec25", "edl");
    std::string before = digest(m->dir() / "lun0.img");
    JobOptions o = options();
    o.flash.package = make_package("rm500q", root / "RM500QGLABR11A06M4G");
    auto reports = run_flash_jobs(devices({"ec25"}), o, 1);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].result, JobResult::refused);
    EXPECT_NE(reports[0].error.find("package for RM500Q, module is EC25"), std::string::npos)
        << reports[0].error;
    EXPECT_EQ(reports[0].device_state, "untouched: nothing was sent to it");
    EXPECT_EQ(digest(m->dir() / "lun0.img"), before);
    EXPECT_FALSE(m->state().firehose_running);  // not even a programmer was sent
}

// A backup disk without room refuses that module before anything is sent: its flash never
// starts, the others go on. (The real free space, plus a margin, as the required minimum.)
TEST_F(ManyModules, FullBackupDiskRefusesTheModuleBeforeItsFlashStarts) {
    auto m = module("ec25", "edl");
    std::string before = digest(m->dir() / "lun0.img");
    fs::create_directories(store);
    struct statvfs st {};
    ASSERT_EQ(::statvfs(store.c_str(), &st), 0);
    JobOptions o = options();
    o.backup_min_free = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize + (1ull << 30);
    auto reports = run_flash_jobs(devices({"ec25"}), o, 1);
    ASSERT_EQ(reports.size(), 1u);
    const JobReport& r = reports[0];
    EXPECT_EQ(r.result, JobResult::refused);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_NE(r.error.find("MiB free"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find(store.string()), std::string::npos) << r.error;
    EXPECT_EQ(r.device_state, "untouched: nothing was sent to it");
    EXPECT_FALSE(r.backup);
    EXPECT_TRUE(r.partitions_done.empty());
    EXPECT_EQ(digest(m->dir() / "lun0.img"), before);
    EXPECT_FALSE(m->state().firehose_running);
    // With room again the same module flashes.
    o.backup_min_free = 1;
    o.flash.reset = false;
    reports = run_flash_jobs(devices({"ec25"}), o, 1);
    EXPECT_EQ(reports[0].result, JobResult::ok) << reports[0].error;
}

// The virtual NAND's program rate (what the station bench relies on): programming takes at least
// bytes / rate, and the rate is the module's own (a second module without one is not slowed).
TEST_F(ManyModules, AVirtualNandWithAProgramRateTakesItsTime) {
    auto slow = module("ec25#1", "edl");
    module("ec25#2", "edl");
    sim::set_write_rate(*slow, 500000);  // 0.5 MB/s
    EXPECT_EQ(sim::write_rate(slow->state()), std::optional<std::uint64_t>(500000));
    JobOptions o = options();
    o.flash.reset = false;
    o.verify = false;
    auto reports = run_flash_jobs(devices({"ec25#1", "ec25#2"}), o, 2);
    ASSERT_EQ(reports[0].result, JobResult::ok) << reports[0].error;
    ASSERT_EQ(reports[1].result, JobResult::ok) << reports[1].error;
    double floor = reports[0].bytes / 500000.0;
    EXPECT_GT(floor, 0.8);
    EXPECT_GE(reports[0].seconds, floor);
    sim::set_write_rate(*slow, std::nullopt);
    EXPECT_FALSE(sim::write_rate(slow->state()));
}

TEST_F(ManyModules, AnUnpluggedModuleFailsAloneWithoutTouchingTheOthers) {
    module("ec25#1", "edl");
    auto gone = module("ec25#2", "edl");
    sim::unplug(*gone);
    JobOptions o = options();
    o.flash.reset = false;
    auto reports = run_flash_jobs(devices({"ec25#1", "ec25#2"}), o, 2);
    EXPECT_EQ(reports[0].result, JobResult::ok) << reports[0].error;
    EXPECT_EQ(reports[1].result, JobResult::failed);
    EXPECT_TRUE(reports[1].partitions_done.empty());
    EXPECT_FALSE(reports[1].backup);
}

}  // namespace
