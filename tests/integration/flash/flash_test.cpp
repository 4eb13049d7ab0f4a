#include <fmt/format.h>

#include "src/archive/backup_store.hpp"
#include "src/util/error.hpp"
#include "tests/integration/flash/flash_fixture.hpp"

using namespace cr;
using namespace cr::workflows;
using crtest::FlashFixture;
namespace fs = std::filesystem;

TEST_F(FlashFixture, UpdatePackageDirLeavesExactlyItsBytesAndNeverTouchesCalibration) {
    auto m = module("ec25");
    auto dev = device("ec25");
    auto pkg = make_package("ec25", true, pkg_dir);  // factory XML present but not chosen
    Bytes efs_before = raw_partition(*m, "efs2");
    FlashReport report = flash_package(*dev, options(pkg));
    EXPECT_FALSE(report.calibration_backup);
    EXPECT_EQ(count_bundles(store), 0u);
    for (const auto& s : report.plan.steps) EXPECT_FALSE(s.touches_calibration) << s.op.label;
    auto s = session(*dev);
    expect_package_bytes(*s, report.plan);
    EXPECT_TRUE(read_region(*s, partition_region(*s, "efs2")) == efs_before);
    EXPECT_TRUE(raw_partition(*m, "efs2") == efs_before);
    EXPECT_GT(report.total_bytes, 0u);
    ASSERT_FALSE(report.timings.empty());
}

// The RM520N (NAND, MIBIB) and the eMMC module (GPT, 512-byte sectors): the zip's bytes land
// and the DISK patch's NUM_DISK_SECTORS is the LUN's own size.
TEST_F(FlashFixture, ZipPackageOnNandAndEmmcLeavesItsBytesAndAppliesTheDiskPatch) {
    for (const std::string model : {"rm520n", "msm8916-emmc"}) {
        SCOPED_TRACE(model);
        module(model);
        auto dev = device(model);
        auto pkg = make_package(model, false, root / (model + ".zip"));
        FlashReport report = flash_package(*dev, options(pkg));
        EXPECT_EQ(report.plan.storage, model == "rm520n" ? "nand" : "emmc");
        auto s = session(*dev);
        auto reopened = package::open_package(pkg);
        expect_package_bytes(*s, report.plan, &reopened);
        // patch: misc bytes 8..15 = NUM_DISK_SECTORS-1 (the programmer evaluated it).
        auto misc = partition_region(*s, "misc");
        misc.num_sectors = 1;
        Bytes sector = read_region(*s, misc);
        std::uint64_t v = 0;
        for (int i = 7; i >= 0; --i) v = (v << 8) | sector[8 + i];
        EXPECT_EQ(v, sim::require_model(model).total_sectors - 1);
    }
}

TEST_F(FlashFixture, FactoryFlashBacksUpCalibrationBeforeTouchingIt) {
    auto m = module("ec25");
    auto dev = device("ec25");
    auto pkg = make_package("ec25", true, pkg_dir);
    Bytes efs_before = raw_partition(*m, "efs2");
    auto o = options(pkg);
    o.factory = true;
    FlashReport report = flash_package(*dev, o);
    ASSERT_TRUE(report.calibration_backup);
    auto bundle = archive::BundleReader::open(*report.calibration_backup);
    EXPECT_EQ(bundle.manifest().kind, archive::BundleKind::partition);
    EXPECT_EQ(bundle.manifest().identity.chip_serial, fmt::format("{:#010x}", m->state().serial));
    EXPECT_TRUE(bundle.read_entry(bundle.require("efs2")) == efs_before);
    Bytes efs_after = raw_partition(*m, "efs2");
    Bytes cefs = file_bytes(pkg_dir / "update" / "cefs.mbn");
    EXPECT_TRUE(std::equal(cefs.begin(), cefs.end(), efs_after.begin()));  // factory did its job

    // Power-cycle into EDL; the backup restores efs2, verified by read-back.
    sim::apply_state(*m, "edl", {});
    PartitionRestoreRequest r;
    r.bundle = *report.calibration_backup;
    r.edl.programmer = pkg_dir / "update" / "firehose" / "prog_nand_firehose_9x07.mbn";
    r.edl.programmer_dir = root / "programmers";
    auto restored = restore_partition_bundle(*dev, r);
    ASSERT_EQ(restored.size(), 1u);
    EXPECT_TRUE(restored[0].verified);
    EXPECT_TRUE(raw_partition(*m, "efs2") == efs_before);

    // Another module refuses it; one flipped byte is caught before anything is written.
    auto other = module("ec25#2");
    auto other_dev = device("ec25#2");
    Bytes other_efs = raw_partition(*other, "efs2");
    EXPECT_THROW(restore_partition_bundle(*other_dev, r), SafetyError);
    EXPECT_TRUE(raw_partition(*other, "efs2") == other_efs);
    Bytes damaged = file_bytes(r.bundle);
    damaged[damaged.size() / 2] ^= 0x04;
    r.bundle = root / "damaged.crb";
    std::ofstream(r.bundle, std::ios::binary)
        .write(reinterpret_cast<const char*>(damaged.data()),
               static_cast<std::streamsize>(damaged.size()));
    r.restore.allow_other_device = true;
    EXPECT_THROW(restore_partition_bundle(*other_dev, r), VerifyError);
    EXPECT_TRUE(raw_partition(*other, "efs2") == other_efs);
}

TEST_F(FlashFixture, FailedBackupStopsBeforeAnyWrite) {
    module("ec25");
    auto dev = device("ec25");
    auto pkg = make_package("ec25", true, pkg_dir);
    std::ofstream(root / "not-a-dir") << "x";
    auto o = options(pkg);
    o.factory = true;
    o.backup_dir = root / "not-a-dir" / "store";
    std::string before = image_digest(sim_dir);
    try {
        flash_package(*dev, o);
        FAIL() << "flash went ahead without a backup";
    } catch (const SafetyError& e) {
        EXPECT_NE(std::string(e.what()).find("calibration backup failed"), std::string::npos);
        EXPECT_NE(e.device_state().find("nothing was written"), std::string::npos);
    }
    EXPECT_EQ(image_digest(sim_dir), before);
}

TEST_F(FlashFixture, OverridesNeedBothFlagsAndDryRunTouchesNothing) {
    auto m = module("ec25");
    auto dev = device("ec25");
    auto pkg = make_package("ec25", true, pkg_dir);
    auto o = options(pkg);
    o.factory = true;
    o.no_backup = true;
    std::string before = image_digest(sim_dir);
    EXPECT_THROW(flash_package(*dev, o), UsageError);
    o.dry_run = true;
    o.no_backup = false;
    FlashReport plan = flash_package(*dev, o);
    EXPECT_TRUE(plan.dry_run);
    EXPECT_TRUE(plan.timings.empty());
    EXPECT_EQ(plan.plan.calibration_regions.size(), 1u);
    EXPECT_EQ(image_digest(sim_dir), before);
    EXPECT_FALSE(m->state().firehose_running);  // not even a programmer was uploaded
    o.dry_run = false;
    o.no_backup = true;
    o.i_understand_calibration_loss = true;
    FlashReport done = flash_package(*dev, o);
    EXPECT_TRUE(done.backup_skipped);
    EXPECT_EQ(count_bundles(store), 0u);
}

TEST_F(FlashFixture, BadPackagesSendNothing) {
    auto m = module("ec25");
    auto dev = device("ec25");
    auto pkg = make_package("ec25", false, pkg_dir);
    std::string before = image_digest(sim_dir);
    {
        std::fstream f(pkg_dir / "update" / "NON-HLOS.ubi",
                       std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        f.put('!');
    }
    EXPECT_THROW(flash_package(*dev, options(pkg)), VerifyError);
    fs::remove(pkg_dir / "md5.txt");
    fs::remove(pkg_dir / "update" / "NON-HLOS.ubi");
    EXPECT_THROW(flash_package(*dev, options(pkg)), NotFoundError);
    EXPECT_EQ(image_digest(sim_dir), before);
    EXPECT_FALSE(m->state().firehose_running);
}

namespace {

// Passes everything to the real target, but the device "vanishes" half-way through the
// program of `vanish_at`.
class VanishingTarget : public FlashTarget {
  public:
    VanishingTarget(FlashTarget& inner, std::string vanish_at)
        : inner_(inner), at_(std::move(vanish_at)) {}
    archive::DeviceIdentity identity() override { return inner_.identity(); }
    std::optional<std::uint64_t> num_disk_sectors(std::uint32_t lun) override {
        return inner_.num_disk_sectors(lun);
    }
    std::vector<package::Region> calibration_partitions() override {
        return inner_.calibration_partitions();
    }
    void read(const package::Region& r, const ByteSink& s, const ProgressFn& p) override {
        inner_.read(r, s, p);
    }
    void erase(const package::FlashStep& s) override { inner_.erase(s); }
    void program(const package::FlashStep& s, const ProgressFn& p) override {
        if (s.op.label != at_) return inner_.program(s, p);
        inner_.program(s, [](const ProgressEvent& e) {
            if (e.done > 0 && !e.finished) throw DeviceGoneError("USB device disconnected");
        });
    }
    void patch(const package::RawOp& op) override { inner_.patch(op); }
    void reset() override { inner_.reset(); }

  private:
    FlashTarget& inner_;
    std::string at_;
};

}  // namespace

TEST_F(FlashFixture, DeviceVanishingMidFlashSaysWhatIsCompleteAndWhetherItBoots) {
    module("ec25");
    auto dev = device("ec25");
    auto pkg_path = make_package("ec25", false, pkg_dir);
    auto pkg = package::open_package(pkg_path);
    auto s = session(*dev);
    EdlFlashTarget real(*s, edl_identity(*s));
    VanishingTarget target(real, "boot");
    try {
        execute_flash(target, pkg, options(pkg_path));
        FAIL() << "no error";
    } catch (const DeviceGoneError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("program boot"), std::string::npos) << what;
        EXPECT_NE(what.find("completed: tz, rpm, aboot"), std::string::npos) << what;
        EXPECT_NE(what.find("SBL is ERASED"), std::string::npos) << what;
        EXPECT_NE(e.device_state().find("will not boot"), std::string::npos);
    }
}

TEST_F(FlashFixture, ModuleInNormalModeIsSwitchedToEdlOverDiag) {
    auto m = sim::VirtualModule::open(sim_dir, "ec25");
    sim::apply_state(*m, "normal", {});
    auto dev = device("ec25");
    auto pkg = make_package("ec25", false, pkg_dir);
    FlashReport report = flash_package(*dev, options(pkg));
    EXPECT_FALSE(report.timings.empty());
    auto s = session(*dev);
    expect_package_bytes(*s, report.plan);
}
