// Backup and restore against the virtual module's DIAG target (in-process socketpairs).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "nv/efs_layout.hpp"
#include "nv/imei.hpp"
#include "nv/nv_catalog.hpp"
#include "nv/qcn.hpp"
#include "nv/xqcn.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "src/archive/bundle.hpp"
#include "src/device/device.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/restore/restore.hpp"

namespace cr::workflows {
namespace {

namespace fs = std::filesystem;

class Calibration : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               fmt::format("cr_cal_{}_{}", getpid(),
                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void set_state(const std::string& id, const std::string& state) {
        auto m = sim::VirtualModule::open(dir_ / "sim", id);
        sim::apply_state(*m, state, {});
    }
    std::vector<std::string> label_imeis(const std::string& id) {
        return sim::VirtualModule::open(dir_ / "sim", id)->state().imeis;
    }
    std::unique_ptr<Device> device(const std::string& id) {
        return open_device(parse_device_spec("sim:" + id), DeviceEnvironment{dir_ / "sim"});
    }
    BackupResult take_backup(const std::string& id, std::optional<fs::path> out = {}) {
        auto d = device(id);
        BackupOptions o;
        o.store_dir = dir_ / "store";
        o.output = out;
        if (out) o.format = format_from_path(*out);
        return backup(*d, o);
    }
    RestoreReport do_restore(const std::string& id, const nv::Calibration& cal,
                             nv::ImeiOverride imeis = {}, std::vector<std::string> own = {}) {
        auto d = device(id);
        RestoreOptions o;
        o.imeis = imeis;
        o.known_own_imeis = own;
        return restore(*d, cal, o);
    }

    fs::path dir_;
};

// A cellrescue export has QPST's layout (PROTOCOLS.md §6): groups in QPST's order, rfnv under
// EFS_Backup, the other item files under Provisioning_Item_Files, NV_Items empty, no /nvm
// copies of NV records, the root named after the file, no line end at the end.
void expect_qpst_layout(const std::string& text, const fs::path& file) {
    EXPECT_EQ(text.back(), '>');
    EXPECT_NE(text.find("<Storage Name='" + nv::xqcn_root_name(file) + "'>"), std::string::npos);
    EXPECT_LT(text.find("Name='Provisioning_Item_Files'"), text.find("Name='EFS_Backup'"));
    nv::Calibration cal = nv::read_xqcn(text);
    EXPECT_TRUE(cal.files(nv::EfsGroup::nv_items).empty());
    std::size_t rfnv = 0;
    for (nv::EfsGroup g : nv::kEfsGroups)
        for (const auto& f : cal.files(g)) {
            bool is_rfnv = f.path.starts_with("/nv/item_files/rfnv/");
            rfnv += is_rfnv;
            if (is_rfnv) {
                EXPECT_EQ(g, nv::EfsGroup::efs_backup) << f.path;
            } else if (f.path.starts_with("/nv/item_files/")) {
                EXPECT_EQ(g, nv::EfsGroup::provisioning) << f.path;
            }
            if (auto ref = nv::parse_nv_file_path(f.path)) {
                EXPECT_EQ(nv::find_item(cal, ref->subscription, ref->id, ref->index), nullptr)
                    << f.path << " duplicates its NV record";
            }
        }
    EXPECT_GT(rfnv, 1000u);
}

TEST_F(Calibration, HealthyBackupCfun5RestoreGivesBackEverything) {
    set_state("rm520n", "healthy");
    BackupResult first = take_backup("rm520n", dir_ / "first.xqcn");
    const nv::Calibration& cal = first.calibration;
    EXPECT_GT(first.nv_items, 100u);
    EXPECT_GT(first.efs_files, 1000u);
    EXPECT_EQ(cal.identity.imeis, label_imeis("rm520n"));
    ASSERT_NE(nv::find_item(cal, 1, 550), nullptr);  // the second SIM's IMEI is captured

    set_state("rm520n", "cfun5");
    // The wiped module shows no IMEI; its ESN (and its own backups' IMEIs) identify it.
    RestoreReport report = do_restore("rm520n", cal, {}, cal.identity.imeis);
    EXPECT_EQ(report.match, nv::TargetMatch::same_device);
    EXPECT_TRUE(report.verified()) << (report.differences.empty() ? "" : report.differences[0]);
    EXPECT_EQ(report.nv_written, first.nv_items);
    EXPECT_EQ(report.files_written, first.efs_files);
    EXPECT_EQ(report.written_imeis, label_imeis("rm520n"));

    BackupResult second = take_backup("rm520n");
    auto diffs = nv::diff_calibration(cal, second.calibration);
    EXPECT_TRUE(diffs.empty()) << diffs.size() << " differences, first: " << diffs[0];

    // The bundle in the store reads back to the same content.
    nv::Calibration from_bundle = load_calibration(first.bundle);
    EXPECT_EQ(from_bundle.nv, cal.nv);
    EXPECT_EQ(from_bundle.efs, cal.efs);
    EXPECT_EQ(from_bundle.identity, cal.identity);
    // The exported XQCN is the backup as QPST lays it out (no /nvm copies of NV records), and
    // it re-serialises byte for byte.
    const nv::Calibration shaped = nv::qpst_shaped(cal);
    nv::Calibration from_xqcn = nv::read_xqcn_file(dir_ / "first.xqcn");
    EXPECT_TRUE(nv::diff_calibration(shaped, from_xqcn).empty());
    Bytes text = read_file(dir_ / "first.xqcn");
    EXPECT_EQ(nv::write_xqcn(from_xqcn), std::string(as_chars(text)));
    expect_qpst_layout(std::string(as_chars(text)), dir_ / "first.xqcn");
    // Every format loads to the same content; a bundle with one flipped byte is refused.
    for (const char* name : {"y.qcn", "z.crb"}) {
        export_calibration(cal, dir_ / name, format_from_path(name));
        const nv::Calibration& want =
            format_from_path(name) == CalibrationFormat::qcn ? shaped : cal;
        EXPECT_TRUE(nv::diff_calibration(want, load_calibration(dir_ / name)).empty()) << name;
    }
    Bytes bundle = read_file(first.bundle);
    bundle[bundle.size() / 2] ^= 0x01;
    write_file_atomically(dir_ / "flipped.crb", bundle);
    EXPECT_THROW(load_calibration(dir_ / "flipped.crb"), Error);
}

TEST_F(Calibration, AnotherModulesBackupIsRefusedWithoutImei) {
    set_state("rm520n", "healthy");
    set_state("rm520n#2", "healthy");
    BackupResult donor = take_backup("rm520n#2", dir_ / "donor.qcn");
    nv::Calibration cal = nv::read_qcn_file(dir_ / "donor.qcn");
    auto own = label_imeis("rm520n");
    ASSERT_EQ(own.size(), 2u);

    EXPECT_THROW(do_restore("rm520n", cal), SafetyError);
    EXPECT_THROW(do_restore("rm520n", cal, {own[0], std::nullopt}), SafetyError);  // SIM 2
    std::string bad = own[0];
    bad.back() = static_cast<char>('0' + (bad.back() - '0' + 1) % 10);
    EXPECT_THROW(do_restore("rm520n", cal, {bad, own[1]}), UsageError);

    // A wiped target gets the donor's calibration with its own IMEIs (QPST never deletes
    // files, so a healthy target would keep its own extra rfnv files: use a wiped one).
    set_state("rm520n", "cfun5");
    EXPECT_THROW(do_restore("rm520n", cal), SafetyError);
    RestoreReport report = do_restore("rm520n", cal, {own[0], own[1]});
    EXPECT_EQ(report.match, nv::TargetMatch::different_device);
    EXPECT_TRUE(report.verified()) << report.differences.size();
    EXPECT_EQ(report.written_imeis, own);
    BackupResult after = take_backup("rm520n");
    EXPECT_EQ(after.calibration.identity.imeis, own);
    // Everything else is the donor's; the identity is not: the IMEIs (NV 550 and its EFS
    // copies) are the target's own, and the donor's ESN (NV 0) and MEID (NV 1943) were not
    // written (the wiped target had none of its own to keep).
    auto diffs = nv::diff_calibration(donor.calibration, after.calibration);
    EXPECT_EQ(diffs.size(), 8u);  // NV 550 sub 0/1 and their files; NV 0, 1943 and their files
    for (const auto& d : diffs)
        EXPECT_TRUE(d.find("550") != std::string::npos || d.find("NV_ESN_I") != std::string::npos ||
                    d.find("/nvm/num/0 ") != std::string::npos ||
                    d.find("1943") != std::string::npos)
            << d;
}

}  // namespace
}  // namespace cr::workflows
