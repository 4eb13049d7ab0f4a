// A donor's identity never crosses over (ESN, MEID, IMEIs), every identity item is reported,
// malformed IMEIs are refused, and the model/variant check says what differs.
#include <gtest/gtest.h>

#include <algorithm>

#include "nv/identity_items.hpp"
#include "nv/imei.hpp"
#include "nv/model_check.hpp"
#include "nv/nv_catalog.hpp"
#include "nv/restore_plan.hpp"
#include "src/util/error.hpp"
#include "tests/unit/nv/test_support.hpp"

namespace cr::nv {
namespace {

const std::string kDonor = "490154203237518";
const std::string kDonor2 = "351000000000005";
const std::string kOwn = "356938035643809";
const std::string kOwn2 = "353918050000005";

// A QPST-like donor file: ESN and MEID as NV records and as EFS copies.
Calibration donor() {
    Calibration cal = test::sample_calibration(kDonor, kDonor2);
    cal.nv[0].push_back(test::make_item(0, 0));
    std::array<std::uint8_t, 4> esn{0x78, 0x56, 0x34, 0x12};
    std::copy(esn.begin(), esn.end(), cal.nv[0].back().data.begin());
    NvItem meid = test::make_item(1943, 0);
    std::array<std::uint8_t, 7> m{0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0xA1};
    std::copy(m.begin(), m.end(), meid.data.begin());
    cal.nv[0].push_back(meid);
    cal.files(EfsGroup::efs_backup).push_back({"/nvm/num/0", Bytes(esn.begin(), esn.end()), 1, {}});
    cal.files(EfsGroup::efs_backup).push_back({"/nvm/num/1943", Bytes(m.begin(), m.end()), 1, {}});
    return cal;
}

const IdentityRow& row(const RestorePlan& plan, std::string_view item) {
    auto it = std::find_if(plan.identity.begin(), plan.identity.end(),
                           [&](const IdentityRow& r) { return r.item == item; });
    EXPECT_NE(it, plan.identity.end()) << item;
    return *it;
}

TEST(IdentityItems, ValuesReadAsUsersKnowThem) {
    const auto items = identity_items();
    ASSERT_EQ(items.size(), 4u);
    EXPECT_EQ(identity_value(items[0], encode_imei_nv(kDonor)), kDonor);
    EXPECT_EQ(identity_value(items[2], Bytes{0x78, 0x56, 0x34, 0x12}), "0x12345678");
    EXPECT_EQ(identity_value(items[2], Bytes{0xFF, 0xFF, 0xFF, 0xFF}), "");
    EXPECT_EQ(identity_value(items[3], Bytes{0x78, 0x56, 0x34, 0x12, 0, 0, 0xA1, 0x00}),
              "A1000012345678");
    EXPECT_EQ(identity_value(items[0], Bytes{0x05, 0x11, 0x22}), "(malformed)");
    EXPECT_TRUE(is_spc_protected(85));
    EXPECT_FALSE(is_spc_protected(550));
}

TEST(IdentityPlan, ADonorsEsnAndMeidNeverCrossOverAndEveryItemIsReported) {
    TargetIdentity target{{kOwn, kOwn2}, 0x0BADCAFE, 0, {}, "A1000099999999"};
    RestorePlan plan = plan_restore(donor(), target, {kOwn, kOwn2});
    EXPECT_EQ(plan.match, TargetMatch::different_device);
    EXPECT_EQ(find_item(plan.content, 0, item::esn), nullptr);
    EXPECT_EQ(find_item(plan.content, 0, item::meid), nullptr);
    for (const auto& group : plan.content.efs)
        for (const auto& f : group) {
            EXPECT_NE(f.path, "/nvm/num/0");
            EXPECT_NE(f.path, "/nvm/num/1943");
        }
    ASSERT_EQ(plan.identity.size(), 4u);
    EXPECT_EQ(row(plan, "IMEI (SIM 1)").action, IdentityRow::Action::kept);  // --imei == own
    EXPECT_EQ(row(plan, "IMEI (SIM 1)").written, kOwn);
    EXPECT_EQ(row(plan, "IMEI (SIM 1)").backup, kDonor);
    EXPECT_EQ(row(plan, "IMEI (SIM 2)").written, kOwn2);
    const IdentityRow& esn = row(plan, "ESN");
    EXPECT_EQ(esn.action, IdentityRow::Action::kept);
    EXPECT_EQ(esn.target, "0x0BADCAFE");
    EXPECT_EQ(esn.backup, "0x12345678");
    EXPECT_EQ(esn.written, "");
    EXPECT_EQ(row(plan, "MEID").target, "A1000099999999");
    EXPECT_EQ(row(plan, "MEID").action, IdentityRow::Action::kept);
}

TEST(IdentityPlan, AWipedTargetGetsNoDonorIdentityAndSaysSo) {
    RestorePlan plan = plan_restore(donor(), TargetIdentity{}, {kOwn, kOwn2});
    EXPECT_EQ(row(plan, "IMEI (SIM 1)").action, IdentityRow::Action::restored);
    EXPECT_EQ(row(plan, "ESN").action, IdentityRow::Action::absent);
    EXPECT_EQ(row(plan, "MEID").action, IdentityRow::Action::absent);
    EXPECT_FALSE(row(plan, "MEID").note.empty());
}

TEST(IdentityPlan, TheDevicesOwnBackupRestoresItsOwnIdentity) {
    TargetIdentity target{{}, 0, 0, {kDonor}, {}};  // wiped, recognised by its own backups
    RestorePlan plan = plan_restore(donor(), target, {});
    EXPECT_EQ(plan.match, TargetMatch::same_device);
    EXPECT_NE(find_item(plan.content, 0, item::esn), nullptr);
    EXPECT_EQ(row(plan, "ESN").action, IdentityRow::Action::restored);
    EXPECT_EQ(row(plan, "IMEI (SIM 1)").action, IdentityRow::Action::restored);
}

TEST(IdentityPlan, AMalformedImeiInTheBackupIsRefusedUnlessReplaced) {
    Calibration bad = donor();
    NvItem* imei = find_item(bad, 0, item::ue_imei);
    imei->data.fill(0);
    imei->data[0] = 0x05;  // length 5: not an IMEI encoding
    imei->data[1] = 0x3A;
    bad.identity.esn = 0x12345678;  // Mobile_Property_Info's ESN: the target's own (below)
    TargetIdentity wiped{{}, 0x12345678, 0, {}, {}};  // shows no IMEI; its ESN is the backup's
    try {
        plan_restore(bad, wiped, {});
        ADD_FAILURE() << "a malformed IMEI was planned";
    } catch (const SafetyError& e) {
        EXPECT_NE(std::string(e.what()).find("NV 550 (SIM 1)"), std::string::npos) << e.what();
        EXPECT_NE(e.next_step().find("--imei"), std::string::npos);
        EXPECT_NE(e.device_state().find("nothing was written"), std::string::npos);
    }
    RestorePlan plan = plan_restore(bad, wiped, {kOwn, kDonor2});
    EXPECT_EQ(plan.written_imeis[0], kOwn);
}

TEST(ModelCheck, VariantsFromFirmwareRevisions) {
    EXPECT_EQ(product_variant("RM520NGLAAR01A07M4G")->name, "RM520N-GLAA");
    EXPECT_EQ(product_variant("RM520NGLAPR01A03M4G")->name, "RM520N-GLAP");
    EXPECT_EQ(product_variant("EC25EFAR06A06M4G")->name, "EC25-E");
    EXPECT_EQ(product_variant("EC25AFFAR07A03M4G")->name, "EC25-AF");
    EXPECT_FALSE(product_variant("M0.00.00 [Oct 08 2020 15:00:01]"));
    EXPECT_FALSE(product_variant(""));
    EXPECT_FALSE(product_variant("R01A07"));
}

TEST(ModelCheck, AGlaaBackupOnAGlapSaysWhatDiffers) {
    ModelComparison c =
        compare_models({24655, "RM520NGLAAR01A07M4G"}, {24655, "RM520NGLAPR01A03M4G"});
    ASSERT_EQ(c.differences.size(), 1u);
    EXPECT_NE(c.differences[0].find("RM520N-GLAA"), std::string::npos) << c.differences[0];
    EXPECT_NE(c.differences[0].find("RM520N-GLAP"), std::string::npos) << c.differences[0];
    EXPECT_FALSE(compare_models({2318, "EC25EFAR06A06M4G"}, {24655, ""}).same());
    EXPECT_TRUE(
        compare_models({24655, "RM520NGLAAR01A07M4G"}, {24655, "RM520NGLAAR01A03M4G"}).same());
    ModelComparison unknown = compare_models({0, "ABC"}, {24655, "RM520NGLAAR01A07M4G"});
    EXPECT_TRUE(unknown.same());
    EXPECT_GE(unknown.notes.size(), 3u);  // says what it could not compare
}

TEST(ModelCheck, TheBackupsModelIdComesFromTheFile) {
    Calibration cal = test::sample_calibration();
    EXPECT_EQ(backup_model(cal).model_id, 24655u);
    cal.mobile_model_id = 0;
    EXPECT_EQ(backup_model(cal).model_id, 0x604Fu);  // Mobile_Property_Info
    EXPECT_EQ(backup_model(cal).firmware, "RM520NGLAAR01A07M4G");
}

}  // namespace
}  // namespace cr::nv
