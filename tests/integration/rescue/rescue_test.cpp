// rescue on virtual modules: own-backup restore, no backup, IMEI rules, declining.
#include "src/workflows/rescue/rescue.hpp"
#include "rescue_fixture.hpp"
#include "src/workflows/backup/backup.hpp"

namespace cr::test {
namespace {

using workflows::RescueOutcome;

class Rescue : public RescueFixture {
  protected:
    void take_backup() {
        auto dev = device();
        workflows::BackupOptions b;
        b.store_dir = store();
        workflows::backup(dev, b);
    }
    workflows::RescueReport run(bool answer = true, std::optional<std::string> imei = {}) {
        auto dev = device();
        workflows::RescueOptions o;
        o.store_dir = store();
        o.imei = imei;
        o.confirm = [this, answer](const std::string&) {
            ++asked_;
            return answer;
        };
        return workflows::rescue(dev, o);
    }
    int asked_ = 0;
};

TEST_F(Rescue, Cfun5WithItsOwnBackupComesBackWithItsOwnImei) {
    take_backup();
    set_state("cfun5");
    auto r = run();
    EXPECT_EQ(r.outcome, RescueOutcome::repaired);
    EXPECT_EQ(asked_, 1);
    ASSERT_TRUE(r.verification.has_value());
    EXPECT_TRUE(r.verification->cfun1_accepted);
    EXPECT_EQ(r.verification->imei, own_imei());
    EXPECT_TRUE(r.verification->healthy);
    EXPECT_TRUE(sim::efs_health(*module()).calibrated());
    EXPECT_EQ(r.after->observed.cfun, 1);
}

TEST_F(Rescue, WithoutAnyBackupItExplainsAndWritesNothing) {
    set_state("cfun5");
    auto before = sim::load_efs(*module()).serialize();
    auto r = run();
    EXPECT_EQ(r.outcome, RescueOutcome::needs_decision);
    EXPECT_EQ(asked_, 0);
    std::string text = workflows::format_text(r);
    EXPECT_NE(text.find("No backup of this module"), std::string::npos);
    EXPECT_NE(text.find("donor"), std::string::npos);
    EXPECT_NE(text.find("Nothing was written"), std::string::npos);
    EXPECT_EQ(sim::load_efs(*module()).serialize(), before);
    EXPECT_FALSE(sim::diag_runtime(module()->state()).pending_reset);
}

TEST_F(Rescue, DecliningThePlanWritesNothing) {
    take_backup();
    set_state("cfun5");
    auto r = run(false);
    EXPECT_EQ(r.outcome, RescueOutcome::declined);
    EXPECT_EQ(asked_, 1);
    EXPECT_FALSE(sim::efs_health(*module()).calibrated());
}

TEST_F(Rescue, AnImeiThatIsNotItsOwnIsRefused) {
    take_backup();
    set_state("cfun5");
    EXPECT_THROW(run(true, std::string("490154203237518")), SafetyError);
    EXPECT_EQ(asked_, 0);
    EXPECT_THROW(run(true, std::string("490154203237519")), UsageError);  // Luhn
}

TEST_F(Rescue, HealthyModuleWithoutBackupGetsOneAndNothingElse) {
    auto r = run();
    EXPECT_EQ(r.outcome, RescueOutcome::healthy);
    ASSERT_EQ(r.steps.size(), 1u);
    EXPECT_EQ(r.steps[0].action, workflows::RescueAction::take_backup);
    EXPECT_EQ(r.steps[0].status, "done");
    EXPECT_TRUE(std::filesystem::exists(r.steps[0].source));
}

TEST_F(Rescue, MissingImeiIsWrittenBackFromItsOwnBackup) {
    take_backup();
    edit_efs([](sim::EfsTree& t) { t.remove("/nvm/num/550", false); });
    auto r = run();
    EXPECT_EQ(r.outcome, RescueOutcome::repaired) << workflows::format_text(r);
    EXPECT_EQ(r.verification->imei, own_imei());
}

}  // namespace
}  // namespace cr::test
