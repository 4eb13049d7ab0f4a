#include "nv/restore_plan.hpp"

#include <gtest/gtest.h>

#include "nv/imei.hpp"
#include "src/util/error.hpp"
#include "tests/unit/nv/test_support.hpp"

namespace cr::nv {
namespace {

const std::string kDonor = "490154203237518";
const std::string kDonor2 = "351000000000005";

std::string with_check(const std::string& first14) {
    return first14 + std::to_string(luhn_check_digit(first14));
}

TEST(RestorePlan, SameDeviceRestoresAsIs) {
    Calibration backup = test::sample_calibration();
    TargetIdentity target{{kDonor, kDonor2}, 0, 0, {}, {}};
    RestorePlan plan = plan_restore(backup, target, {});
    EXPECT_EQ(plan.match, TargetMatch::same_device);
    EXPECT_EQ(plan.content, backup);
    EXPECT_EQ(plan.written_imeis, (std::vector<std::string>{kDonor, kDonor2}));
}

TEST(RestorePlan, DifferentDeviceRefusedWithoutImei) {
    Calibration backup = test::sample_calibration();
    TargetIdentity target{{with_check("35693803564380")}, 0, 0, {}, {}};
    EXPECT_THROW(plan_restore(backup, target, {}), SafetyError);
}

TEST(RestorePlan, UnknownTargetRefusedWithoutImei) {
    Calibration backup = test::sample_calibration();
    EXPECT_THROW(plan_restore(backup, TargetIdentity{}, {}), SafetyError);
}

TEST(RestorePlan, UnknownTargetRecognisedByOwnBackups) {
    Calibration backup = test::sample_calibration();
    TargetIdentity target{{}, 0, 0, {kDonor}, {}};
    EXPECT_EQ(plan_restore(backup, target, {}).match, TargetMatch::same_device);
}

TEST(RestorePlan, UnknownTargetRecognisedByLabelImei) {
    Calibration backup = test::sample_calibration();
    ImeiOverride o{kDonor, kDonor2};
    RestorePlan plan = plan_restore(backup, TargetIdentity{}, o);
    EXPECT_EQ(plan.match, TargetMatch::same_device);
    EXPECT_EQ(plan.content, backup);
}

TEST(RestorePlan, ChipSerialDecides) {
    Calibration backup = test::sample_calibration();
    backup.identity.chip_serial = 0x1234;
    TargetIdentity target{{}, 0, 0x1234, {}, {}};
    EXPECT_EQ(plan_restore(backup, target, {}).match, TargetMatch::same_device);
    target.chip_serial = 0x9999;
    target.imeis = {kDonor};  // a copied IMEI does not make it the same unit
    EXPECT_THROW(plan_restore(backup, target, {}), SafetyError);
}

TEST(RestorePlan, DifferentDeviceGetsItsOwnImeiEverywhere) {
    Calibration backup = test::sample_calibration();
    std::string own = with_check("35693803564380");
    std::string own2 = with_check("35391805000000");
    TargetIdentity target{{own}, 0, 0, {}, {}};
    RestorePlan plan = plan_restore(backup, target, {own, own2});
    EXPECT_EQ(plan.match, TargetMatch::different_device);
    EXPECT_EQ(plan.written_imeis, (std::vector<std::string>{own, own2}));
    EXPECT_EQ(imeis_of(plan.content), (std::vector<std::string>{own, own2}));
    // The EFS copy nvm/num/550 (relative path in EFS_Backup) was replaced too.
    const auto& copy = plan.content.files(EfsGroup::efs_backup)[1];
    EXPECT_EQ(decode_imei_nv(copy.data).value(), own);
    EXPECT_FALSE(plan.notes.empty());
    // Nothing else changed.
    EXPECT_EQ(plan.content.nv[0][1], backup.nv[0][1]);
    EXPECT_EQ(plan.content.files(EfsGroup::efs_backup)[0], backup.files(EfsGroup::efs_backup)[0]);
}

TEST(RestorePlan, SecondImeiRequiredWhenBackupHasOne) {
    Calibration backup = test::sample_calibration();
    std::string own = with_check("35693803564380");
    EXPECT_THROW(plan_restore(backup, TargetIdentity{{own}, 0, 0, {}, {}}, {own, std::nullopt}),
                 SafetyError);
}

TEST(RestorePlan, LuhnFailureIsNeverPlanned) {
    Calibration backup = test::sample_calibration();
    std::string own = with_check("35693803564380");
    std::string wrong = own;
    wrong.back() = static_cast<char>('0' + (own.back() - '0' + 1) % 10);
    EXPECT_THROW(plan_restore(backup, TargetIdentity{{own}, 0, 0, {}, {}}, {wrong, kDonor2}),
                 UsageError);
    EXPECT_THROW(replace_imei(backup, 0, wrong), UsageError);
    EXPECT_EQ(imeis_of(backup)[0], kDonor);
}

TEST(RestorePlan, DonorImeiAsOverrideOnDifferentDeviceIsRefused) {
    Calibration backup = test::sample_calibration();
    TargetIdentity target{{with_check("35693803564380")}, 0, 0, {}, {}};
    EXPECT_THROW(plan_restore(backup, target, {kDonor, kDonor2}), SafetyError);
}

TEST(RestorePlan, SameDeviceWithConflictingImeiIsRefused) {
    Calibration backup = test::sample_calibration();
    TargetIdentity target{{kDonor}, 0, 0, {}, {}};
    EXPECT_THROW(plan_restore(backup, target, {with_check("35693803564380"), std::nullopt}),
                 SafetyError);
}

}  // namespace
}  // namespace cr::nv
