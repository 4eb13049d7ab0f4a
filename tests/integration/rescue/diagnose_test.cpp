// diagnose on virtual modules (probe + rules) and the pure rules for u-blox and baselines.
#include "src/workflows/diagnose/diagnose.hpp"
#include "rescue_fixture.hpp"
#include "src/workflows/backup/backup.hpp"

namespace cr::test {
namespace {

using workflows::Severity;

class Diagnose : public RescueFixture {
  protected:
    workflows::Diagnosis run() {
        auto dev = device();
        workflows::DiagnoseOptions o;
        o.store_dir = store();
        return workflows::diagnose(dev, o);
    }
};

bool has_evidence(const workflows::Finding& f, const std::string& query, const std::string& part) {
    for (const auto& e : f.evidence)
        if (e.query == query && e.reply.find(part) != std::string::npos) return true;
    return false;
}

TEST_F(Diagnose, HealthyModuleIsHealthy) {
    auto d = run();
    EXPECT_TRUE(d.healthy());
    ASSERT_FALSE(d.findings.empty());
    EXPECT_EQ(d.findings.front().id, "healthy");
    EXPECT_EQ(d.observed.cfun, 1);
    EXPECT_EQ(d.observed.imei_nv, own_imei());
    EXPECT_NE(d.find("sim-missing"), nullptr);  // informational only
    EXPECT_EQ(d.find("efs2-wiped"), nullptr);
}

TEST_F(Diagnose, WipedEfsIsEfs2WipedWithItsEvidence) {
    set_state("cfun5");
    auto d = run();
    EXPECT_FALSE(d.healthy());
    ASSERT_FALSE(d.findings.empty());
    const auto& f = d.findings.front();
    EXPECT_EQ(f.id, "efs2-wiped");
    EXPECT_EQ(f.severity, Severity::critical);
    EXPECT_TRUE(has_evidence(f, "AT+CFUN?", "+CFUN: 5"));
    EXPECT_TRUE(has_evidence(f, "DIAG NV_READ 550", "NOTACTIVE"));
    EXPECT_TRUE(has_evidence(f, "AT+EGMR=0,7", "+EGMR: \"\""));
    EXPECT_FALSE(f.remedy.empty());
    auto j = workflows::to_json(d);
    EXPECT_EQ(j["findings"][0]["id"], "efs2-wiped");
    EXPECT_EQ(j["cfun"], 5);
}

TEST_F(Diagnose, ImeiMissingButCalibrationPresent) {
    edit_efs([](sim::EfsTree& t) { t.remove("/nvm/num/550", false); });
    auto d = run();
    EXPECT_NE(d.find("imei-missing"), nullptr);
    EXPECT_EQ(d.find("efs2-wiped"), nullptr);
}

TEST_F(Diagnose, FtmModeIsNamed) {
    edit_efs([](sim::EfsTree& t) {
        const std::uint8_t one[1] = {1};
        t.put_file("/nvm/num/453", ByteView(one, 1), sim::EfsNode::Type::item, true);
    });
    auto d = run();
    ASSERT_NE(d.find("ftm-mode"), nullptr);
    EXPECT_TRUE(has_evidence(*d.find("ftm-mode"), "DIAG NV_READ 453", "DONE 01"));
}

TEST_F(Diagnose, PendingResetIsCfun7) {
    module()->update([](sim::ModuleState& s) {
        auto r = sim::diag_runtime(s);
        r.pending_reset = true;
        sim::set_diag_runtime(s, r);
    });
    auto d = run();
    ASSERT_NE(d.find("cfun7-pending-reset"), nullptr);
    EXPECT_FALSE(d.healthy());
}

TEST_F(Diagnose, BaselineChangedAgainstTheModulesOwnBackup) {
    auto dev = device();
    workflows::BackupOptions b;
    b.store_dir = store();
    workflows::backup(dev, b);
    module()->update([](sim::ModuleState& s) { s.firmware = "RM520NGLAAR01A08M4G"; });
    auto d = run();
    ASSERT_TRUE(d.baseline.has_value());
    ASSERT_NE(d.find("baseline-changed"), nullptr);
}

TEST_F(Diagnose, EdlModeIsSaidPlainly) {
    set_state("edl");
    auto d = run();
    ASSERT_FALSE(d.findings.empty());
    EXPECT_EQ(d.findings.front().id, "edl-mode");
    EXPECT_NE(d.findings.front().remedy.find("flash"), std::string::npos);
}

workflows::Observation ublox(const std::string& cgmr, const std::string& ati9, int mno) {
    workflows::Observation o;
    o.device = "sim:sara-r412m";
    o.mode = DeviceMode::normal;
    o.vendor = "ublox";
    o.at_ok = true;
    o.firmware = cgmr;
    o.ati = ati9;
    o.cfun = 1;
    o.mno_profile = mno;
    o.ubkupdata = "0,0,1,0,0,0,0";
    return o;
}

TEST(DiagnoseRules, UbloxEngineeringFirmware) {
    auto f = workflows::evaluate(ublox("M0.00.00 [Oct 08 2020 15:00:01]", "M0.00.00,A.02.19", 1),
                                 std::nullopt);
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f.front().id, "ublox-engineering-firmware");
    EXPECT_NE(f.front().remedy.find("full flash"), std::string::npos);
}

TEST(DiagnoseRules, UbloxBelow0512NeedsFullFlash) {
    auto f =
        workflows::evaluate(ublox("L0.0.00.00.05.08", "L0.0.00.00.05.08,A.02.14", 1), std::nullopt);
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f.front().id, "ublox-full-flash-required");
    auto ok =
        workflows::evaluate(ublox("L0.0.00.00.05.12", "L0.0.00.00.05.12,A.02.19", 1), std::nullopt);
    EXPECT_EQ(ok.front().id, "healthy");
}

TEST(DiagnoseRules, UbloxMnoProfileUnsetAndBackupStatus) {
    auto o = ublox("L0.0.00.00.05.12", "L0.0.00.00.05.12,A.02.19", 0);
    o.ubkupdata = "0,0,0,0,0,0,0";
    auto f = workflows::evaluate(o, std::nullopt);
    bool mno = false, nobackup = false;
    for (const auto& x : f) {
        mno |= x.id == "ublox-mno-profile-unset";
        nobackup |= x.id == "ublox-no-nv-backup";
    }
    EXPECT_TRUE(mno);
    EXPECT_TRUE(nobackup);
}

}  // namespace
}  // namespace cr::test
