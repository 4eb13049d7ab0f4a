// Real restores of real files onto a virtual module: a QPST export of another module (NV 85 in
// it, ESN and MEID as NV records) keeps the target's own IMEIs, ESN and MEID and says so; the
// SPC is sent once and a refusal writes nothing; another variant is refused unless allowed;
// the same restore runs over a pty reached through a by-id link.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "nv/efs_layout.hpp"
#include "nv/identity_items.hpp"
#include "nv/imei.hpp"
#include "nv/nv_catalog.hpp"
#include "nv/xqcn.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/diag/efs_store.hpp"
#include "src/device/device.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/restore/restore.hpp"
#include "tests/integration/diag/diag_fixture.hpp"

namespace cr::workflows {
namespace {

namespace fs = std::filesystem;

struct Identity {
    std::vector<std::string> imeis;
    std::uint32_t esn = 0;
    std::string meid;
};

class DonorRestore : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               fmt::format("cr_donor_{}_{}", getpid(),
                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        target_ = sim::VirtualModule::open(dir_ / "sim", "rm520n");
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::unique_ptr<Device> device(const std::string& id) {
        return open_device(parse_device_spec("sim:" + id), DeviceEnvironment{dir_ / "sim"});
    }

    // The file QPST writes for another module: its backup in QPST's layout, NV 85 read after
    // the SPC (QPST sends it before a backup), the tool named QPST.
    fs::path qpst_donor_file() {
        auto donor = device("rm520n#2");
        BackupOptions o;
        o.store_dir = dir_ / "store";
        nv::Calibration cal = nv::qpst_shaped(backup(*donor, o).calibration);
        nv::NvItem spc;
        spc.id = nv::item::sec_code;
        std::copy_n("000000", 6, spc.data.begin());
        cal.nv[0].push_back(spc);
        std::sort(cal.nv[0].begin(), cal.nv[0].end(),
                  [](const nv::NvItem& a, const nv::NvItem& b) { return a.id < b.id; });
        cal.property.tool_name = "QPST 2.7.496";
        fs::path file = dir_ / "donor_0.xqcn";
        nv::write_xqcn_file(file, cal);
        return file;
    }

    Identity identity_of(sim::VirtualModule& m) {
        testing::DiagSession s(m);
        diag::NvClient nv(s.diag());
        Identity id;
        for (std::uint16_t sub : {0, 1}) {
            auto r = nv.read(550, sub);
            id.imeis.push_back(r.ok() ? nv::decode_imei_nv(r.data).value_or("") : "");
        }
        id.esn = s.diag().esn();
        auto meid = nv.read(nv::item::meid);
        if (meid.ok()) id.meid = nv::identity_value(nv::identity_items()[3], meid.data);
        return id;
    }

    RestoreOptions own_imeis() {
        RestoreOptions o;
        auto imeis = target_->state().imeis;
        o.imeis = {imeis[0], imeis[1]};
        return o;
    }

    const nv::IdentityRow& row(const RestoreReport& r, std::string_view item) {
        auto it = std::find_if(r.identity.begin(), r.identity.end(),
                               [&](const nv::IdentityRow& x) { return x.item == item; });
        EXPECT_NE(it, r.identity.end()) << item;
        return *it;
    }

    fs::path dir_;
    std::shared_ptr<sim::VirtualModule> target_;
};

TEST_F(DonorRestore, AQpstDonorFileKeepsTheTargetsOwnIdentityAndVerifies) {
    fs::path file = qpst_donor_file();
    Identity before = identity_of(*target_);
    ASSERT_FALSE(before.meid.empty());
    nv::Calibration donor = load_calibration(file);
    ASSERT_NE(nv::find_item(donor, 0, nv::item::esn), nullptr);
    ASSERT_NE(nv::find_item(donor, 0, nv::item::meid), nullptr);

    auto dev = device("rm520n");
    RestoreReport r = restore(*dev, donor, own_imeis());
    EXPECT_EQ(r.match, nv::TargetMatch::different_device);
    EXPECT_TRUE(r.verified()) << r.differences.size() << " differences, first: "
                              << (r.differences.empty() ? "" : r.differences[0]);
    EXPECT_TRUE(r.unverified.empty()) << r.unverified[0];
    EXPECT_TRUE(r.spc_sent);
    ASSERT_EQ(r.spc_items.size(), 1u);
    EXPECT_NE(r.spc_items[0].find("85"), std::string::npos);
    for (const char* item : {"IMEI (SIM 1)", "IMEI (SIM 2)", "ESN", "MEID"})
        EXPECT_EQ(row(r, item).action, nv::IdentityRow::Action::kept) << item;
    EXPECT_EQ(row(r, "ESN").target, fmt::format("0x{:08X}", before.esn));
    EXPECT_NE(row(r, "ESN").backup, row(r, "ESN").target);  // the donor's was not written
    EXPECT_EQ(row(r, "MEID").target, before.meid);

    Identity after = identity_of(*target_);
    EXPECT_EQ(after.imeis, before.imeis);
    EXPECT_EQ(after.esn, before.esn);
    EXPECT_EQ(after.meid, before.meid);
    // The calibration is the donor's: its RF files are on the target now.
    const nv::EfsFile& rf = donor.files(nv::EfsGroup::efs_backup).front();
    EXPECT_EQ(sim::load_efs(*target_).find(nv::absolute_efs_path(rf.path))->data, rf.data);
}

TEST_F(DonorRestore, ARefusedSpcWritesNothingAndNamesTheItems) {
    fs::path file = qpst_donor_file();
    {  // the target's SPC is not the default
        testing::DiagSession s(*target_);
        s.diag().send_spc("000000");
        ASSERT_TRUE(diag::NvClient(s.diag()).write(85, as_bytes(std::string_view("123456"))).ok());
        s.diag().control(diag::ControlMode::reset);
    }
    Bytes efs_before = sim::load_efs(*target_).serialize();
    nv::Calibration donor = load_calibration(file);
    auto dev = device("rm520n");
    try {
        restore(*dev, donor, own_imeis());
        ADD_FAILURE() << "restored with a wrong SPC";
    } catch (const ProtocolError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("NV_SEC_CODE_I"), std::string::npos) << what;
        EXPECT_NE(what.find("NOT retried"), std::string::npos) << what;
        EXPECT_NE(e.next_step().find("--spc"), std::string::npos);
        EXPECT_NE(e.next_step().find("--skip-spc-items"), std::string::npos);
        EXPECT_NE(e.device_state().find("nothing was written"), std::string::npos);
    }
    EXPECT_EQ(sim::load_efs(*target_).serialize(), efs_before);
    EXPECT_EQ(sim::diag_runtime(target_->state()).spc_failures, 1);  // one attempt, no loop
    EXPECT_FALSE(sim::diag_runtime(target_->state()).offline);

    RestoreOptions with_spc = own_imeis();
    with_spc.spc = "123456";
    RestoreReport r = restore(*dev, donor, with_spc);
    EXPECT_TRUE(r.verified()) << r.differences[0];
    EXPECT_TRUE(r.unverified.empty()) << r.unverified[0];  // the donor's SPC is in effect now
}

TEST_F(DonorRestore, ProtectedItemsCanBeLeftOut) {
    nv::Calibration donor = load_calibration(qpst_donor_file());
    RestoreOptions o = own_imeis();
    o.skip_spc_items = true;
    o.spc = "999999";  // never sent
    auto dev = device("rm520n");
    RestoreReport r = restore(*dev, donor, o);
    EXPECT_TRUE(r.verified()) << r.differences[0];
    EXPECT_FALSE(r.spc_sent);
    EXPECT_TRUE(r.spc_items.empty());
    EXPECT_EQ(sim::diag_runtime(target_->state()).spc_failures, 0);
}

TEST_F(DonorRestore, AGlaaBackupOnAGlapIsRefusedUnlessAllowed) {
    nv::Calibration donor = load_calibration(qpst_donor_file());
    sim::StateOptions glap;
    glap.firmware = "RM520NGLAPR01A03M4G";
    sim::apply_state(*target_, "", glap);
    Bytes efs_before = sim::load_efs(*target_).serialize();
    auto dev = device("rm520n");
    try {
        restore(*dev, donor, own_imeis());
        ADD_FAILURE() << "a GLAA backup was restored onto a GLAP";
    } catch (const SafetyError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("RM520N-GLAA"), std::string::npos) << what;
        EXPECT_NE(what.find("RM520N-GLAP"), std::string::npos) << what;
        EXPECT_NE(e.next_step().find("--allow-other-model"), std::string::npos);
    }
    EXPECT_EQ(sim::load_efs(*target_).serialize(), efs_before);
    RestoreOptions allowed = own_imeis();
    allowed.allow_other_model = true;
    RestoreReport r = restore(*dev, donor, allowed);
    EXPECT_TRUE(r.verified());
    ASSERT_EQ(r.model_differences.size(), 1u);
    EXPECT_NE(r.model_differences[0].find("GLAP"), std::string::npos);
}

// The same restore as a user with a real module does it: over a pty (left in `stty sane`)
// reached through a /dev/serial/by-id style link, with a stale reply waiting on the line.
TEST_F(DonorRestore, OverAPtyByIdLinkWithAStaleReplyOnTheLine) {
    nv::Calibration donor = load_calibration(qpst_donor_file());
    Identity before = identity_of(*target_);
    testing::DiagSession s(*target_, testing::DiagLinkKind::pty_by_id);
    // An aborted command's answer: an NV 550 read sent, its reply never collected.
    s.host().write(diag::hdlc_encode(diag::encode_nv_request(false, false, 550, 0, {})),
                   Millis(1000));
    RestoreOptions o = own_imeis();
    o.reset_after = false;
    RestoreReport r = restore_over(s.host(), donor, o);
    EXPECT_TRUE(r.verified()) << r.differences[0];
    for (const char* item : {"IMEI (SIM 1)", "ESN", "MEID"})
        EXPECT_EQ(row(r, item).action, nv::IdentityRow::Action::kept) << item;
    s.close();
    EXPECT_EQ(identity_of(*target_).meid, before.meid);
}

}  // namespace
}  // namespace cr::workflows
