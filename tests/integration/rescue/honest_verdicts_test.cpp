// Honest verdicts after faults (issue 13): diagnose weighs all evidence, a restore leaves a
// marker and a journal entry until it is verified, rescue redoes an interrupted restore and
// verifies the module against the backup before it says "repaired".
#include <set>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "rescue_fixture.hpp"
#include "src/archive/store_journal.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/diagnose/diagnose.hpp"
#include "src/workflows/rescue/rescue.hpp"
#include "src/workflows/rescue/rescue_identity.hpp"
#include "src/workflows/rescue/rescue_verify.hpp"
#include "src/workflows/restore/restore.hpp"
#include "src/workflows/restore/restore_marker.hpp"

namespace cr::test {
namespace {

using workflows::RescueOutcome;
using workflows::Severity;

class HonestVerdicts : public RescueFixture {
  protected:
    std::filesystem::path take_backup() {
        auto dev = device();
        workflows::BackupOptions b;
        b.store_dir = store();
        return workflows::backup(dev, b).bundle;
    }
    workflows::Diagnosis diagnose() {
        auto dev = device();
        workflows::DiagnoseOptions o;
        o.store_dir = store();
        return workflows::diagnose(dev, o);
    }
    workflows::RescueReport rescue() {
        auto dev = device();
        workflows::RescueOptions o;
        o.store_dir = store();
        o.confirm = [](const std::string&) { return true; };
        return workflows::rescue(dev, o);
    }
    // Drops every `n`th rfnv file (all when n == 1), as an interrupted restore leaves them.
    void drop_rfnv(std::size_t n) {
        edit_efs([n](sim::EfsTree& t) {
            std::size_t i = 0;
            for (const auto& name : t.children("/nv/item_files/rfnv"))
                if (i++ % n == 0) t.remove("/nv/item_files/rfnv/" + name, false);
        });
    }
    void put_marker(const std::string& source) {
        std::string text = workflows::encode_marker({source, "2026-12-03T09:00:00Z", 126, 1509});
        edit_efs([&](sim::EfsTree& t) {
            t.put_file(workflows::kRestoreMarker, as_bytes(text), sim::EfsNode::Type::file, true);
        });
    }
    std::size_t open_journal_entries() {
        return archive::StoreJournal(store()).open_restores().size();
    }
};

TEST_F(HonestVerdicts, ImeiPresentButNoRfnvIsCalibrationIncomplete) {
    drop_rfnv(1);
    auto d = diagnose();
    EXPECT_FALSE(d.healthy());
    const auto* f = d.find("calibration-incomplete");
    ASSERT_NE(f, nullptr) << workflows::format_text(d);
    EXPECT_EQ(f->severity, Severity::critical);
    EXPECT_EQ(d.find("healthy"), nullptr);
    EXPECT_EQ(d.observed.cfun, 5);                    // the virtual modem does not load it either
    EXPECT_EQ(d.find("cfun5-unexplained"), nullptr);  // explained by the finding above
}

TEST_F(HonestVerdicts, RfnvShorterThanItsOwnBackupIsCalibrationIncomplete) {
    take_backup();
    drop_rfnv(3);
    auto d = diagnose();
    const auto* f = d.find("calibration-incomplete");
    ASSERT_NE(f, nullptr) << workflows::format_text(d);
    EXPECT_NE(f->summary.find("short"), std::string::npos) << f->summary;
    ASSERT_TRUE(d.baseline.has_value());
    EXPECT_GT(d.baseline->rfnv_files, *d.observed.rfnv_files);
    EXPECT_FALSE(d.healthy());
}

TEST_F(HonestVerdicts, Cfun5WithImeiAndCalibrationIsNeverHealthy) {
    workflows::Observation o;
    o.device = "sim:rm520n";
    o.mode = DeviceMode::normal;
    o.vendor = "quectel";
    o.at_ok = o.diag_ok = true;
    o.cfun = 5;
    o.imei_at = o.imei_nv = "490154203237518";
    o.rfnv_files = 120;
    o.ftm_nv_present = true;
    o.ftm_nv = 0;
    auto f = workflows::evaluate(o, std::nullopt);
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f.front().id, "cfun5-unexplained");
    EXPECT_EQ(f.front().severity, Severity::critical);
    for (const auto& x : f) EXPECT_NE(x.id, "healthy");
}

TEST_F(HonestVerdicts, JournalEntryWithoutMarkerIsStaleWhenDiagAnswersCriticalWhenNot) {
    workflows::Observation o;
    o.device = "sim:rm520n";
    o.mode = DeviceMode::normal;
    o.vendor = "quectel";
    o.at_ok = o.diag_ok = true;
    o.cfun = 1;
    o.imei_at = o.imei_nv = "490154203237518";
    o.rfnv_files = 120;
    o.open_restores = {"abc"};
    auto f = workflows::evaluate(o, std::nullopt);
    auto has = [&](std::string_view id) {
        for (const auto& x : f)
            if (x.id == id) return true;
        return false;
    };
    EXPECT_TRUE(has("restore-journal-stale"));
    EXPECT_TRUE(has("healthy"));  // info only
    o.diag_ok = false;
    o.rfnv_files.reset();
    f = workflows::evaluate(o, std::nullopt);
    EXPECT_TRUE(has("restore-interrupted"));
    EXPECT_FALSE(has("healthy"));
}

TEST_F(HonestVerdicts, VerifyFailedMarkerOrJournalIsRestoreVerifyFailedNotInterrupted) {
    workflows::Observation o;
    o.device = "sim:rm520n";
    o.mode = DeviceMode::normal;
    o.vendor = "quectel";
    o.at_ok = o.diag_ok = true;
    o.cfun = 1;
    o.imei_at = o.imei_nv = "490154203237518";
    o.rfnv_files = 120;
    workflows::RestoreMarker m{"/b/x.crb", "2026-12-03T09:00:00Z", 126, 1509};
    m.state = "verify-failed";
    m.differences = 3;
    o.restore_marker = workflows::encode_marker(m);
    auto ids = [](const std::vector<workflows::Finding>& f) {
        std::set<std::string> out;
        for (const auto& x : f) out.insert(x.id);
        return out;
    };
    auto f = ids(workflows::evaluate(o, std::nullopt));
    EXPECT_TRUE(f.count("restore-verify-failed"));
    EXPECT_FALSE(f.count("restore-interrupted"));
    EXPECT_FALSE(f.count("healthy"));
    // A marker still "writing" is an interruption, whatever an older journal line says.
    o.restore_marker = workflows::encode_marker({"/b/x.crb", "2026-12-03T09:00:00Z", 126, 1509});
    o.open_restores = {"a"};
    o.verify_failed_restores = {"a"};
    f = ids(workflows::evaluate(o, std::nullopt));
    EXPECT_TRUE(f.count("restore-interrupted"));
    EXPECT_FALSE(f.count("restore-verify-failed"));
    // DIAG silent: only the journal speaks; every open entry failed its read-back.
    o.restore_marker.reset();
    o.diag_ok = false;
    o.rfnv_files.reset();
    f = ids(workflows::evaluate(o, std::nullopt));
    EXPECT_TRUE(f.count("restore-verify-failed"));
    o.open_restores = {"a", "b"};  // a later one never finished: interrupted
    f = ids(workflows::evaluate(o, std::nullopt));
    EXPECT_TRUE(f.count("restore-interrupted"));
}

TEST_F(HonestVerdicts, OpenRestoreInTheJournalIsNamedInEdl) {
    workflows::Observation o;
    o.device = "sim:rm520n";
    o.mode = DeviceMode::edl;
    auto f = workflows::evaluate(o, std::nullopt);
    for (const auto& x : f) EXPECT_NE(x.id, "restore-interrupted");
    o.open_restores = {"a"};
    f = workflows::evaluate(o, std::nullopt);
    bool edl = false, interrupted = false;
    for (const auto& x : f) {
        edl |= x.id == "edl-mode";
        if (x.id == "restore-interrupted") {
            interrupted = true;
            EXPECT_NE(x.summary.find("EDL"), std::string::npos) << x.summary;
            EXPECT_EQ(x.severity, Severity::critical);
        }
    }
    EXPECT_TRUE(edl);
    EXPECT_TRUE(interrupted);
}

TEST_F(HonestVerdicts, RestoreInterruptedThenEdlIsStillNamedFromTheJournal) {
    auto bundle = take_backup();
    {  // a restore that started (journal line) and was cut off before its end
        archive::JournalDevice d{"sim:rm520n", true, {}, 0, 0};
        archive::StoreJournal(store()).restore_started(bundle.string(), d);
    }
    put_marker(bundle.string());
    set_state("edl");
    auto d = diagnose();
    EXPECT_NE(d.find("edl-mode"), nullptr);
    EXPECT_NE(d.find("restore-interrupted"), nullptr) << workflows::format_text(d);
}

TEST_F(HonestVerdicts, MarkerOnTheModuleIsRestoreInterrupted) {
    auto bundle = take_backup();
    put_marker(bundle.string());
    auto d = diagnose();
    const auto* f = d.find("restore-interrupted");
    ASSERT_NE(f, nullptr) << workflows::format_text(d);
    EXPECT_EQ(f->severity, Severity::critical);
    EXPECT_FALSE(d.healthy());
    ASSERT_TRUE(d.observed.restore_marker.has_value());
    bool cited = false;
    for (const auto& e : f->evidence)
        cited |= e.query == "DIAG EFS marker" && e.reply.find(bundle.string()) != std::string::npos;
    EXPECT_TRUE(cited);
}

TEST_F(HonestVerdicts, ARestoreClearsItsMarkerAndJournalOnlyWhenVerified) {
    auto bundle = take_backup();
    set_state("cfun5");
    auto dev = device();
    workflows::RestoreOptions ro;
    ro.source = bundle.string();
    ro.store_dir = store();
    ro.known_own_imeis = {own_imei()};
    auto rep = workflows::restore(dev, workflows::load_calibration(bundle), ro);
    EXPECT_TRUE(rep.verified());
    EXPECT_TRUE(rep.marker_removed);
    EXPECT_FALSE(sim::load_efs(*module()).exists(workflows::kRestoreMarker));
    EXPECT_EQ(open_journal_entries(), 0u);
    EXPECT_TRUE(std::filesystem::exists(store() / archive::kJournalName));
    EXPECT_TRUE(diagnose().healthy());
}

TEST_F(HonestVerdicts, BackupOfAHalfRestoredModuleIsNeverItsOwnBackup) {
    auto good = take_backup();
    put_marker(good.string());
    auto dev = device();
    workflows::BackupOptions b;
    b.store_dir = store();
    auto r = workflows::backup(dev, b);
    EXPECT_TRUE(r.restore_incomplete);
    for (const auto& f : r.calibration.efs)
        for (const auto& file : f) EXPECT_EQ(file.path.find("cellrescue"), std::string::npos);
    auto d = diagnose();
    ASSERT_TRUE(d.baseline.has_value());
    EXPECT_EQ(d.baseline->bundle, good);  // the newer, half-restored one is skipped
}

TEST_F(HonestVerdicts, RescueRedoesTheInterruptedRestoreAndComparesEveryFile) {
    auto bundle = take_backup();
    drop_rfnv(2);
    edit_efs([](sim::EfsTree& t) { t.remove("/nvm/num/453", false); });
    put_marker(bundle.string());
    archive::StoreJournal(store()).restore_started(bundle.string(),
                                                   {"sim:rm520n", true, {own_imei()}, 0, 0});
    auto r = rescue();
    ASSERT_TRUE(r.before.find("restore-interrupted")) << workflows::format_text(r);
    EXPECT_EQ(r.outcome, RescueOutcome::repaired) << workflows::format_text(r);
    ASSERT_FALSE(r.steps.empty());
    EXPECT_EQ(r.steps.back().source, bundle);
    ASSERT_TRUE(r.verification.has_value());
    EXPECT_EQ(r.verification->compared_with, bundle);
    EXPECT_GT(r.verification->compared_efs_files, 1000u);
    EXPECT_GT(r.verification->compared_nv_items, 50u);
    EXPECT_TRUE(r.verification->backup_differences.empty());
    EXPECT_FALSE(sim::load_efs(*module()).exists(workflows::kRestoreMarker));
    EXPECT_EQ(open_journal_entries(), 0u);
    EXPECT_TRUE(diagnose().healthy());
    EXPECT_EQ(rescue().outcome, RescueOutcome::healthy);  // a second run has nothing to do
}

TEST_F(HonestVerdicts, ComparisonWithTheBackupNamesWhatIsMissingOrDifferent) {
    auto bundle = take_backup();
    std::string gone, changed;
    edit_efs([&](sim::EfsTree& t) {
        auto names = t.children("/nv/item_files/rfnv");
        gone = names.at(0);
        changed = names.at(1);
        t.remove("/nv/item_files/rfnv/" + gone, false);
        const sim::EfsNode* node = t.find("/nv/item_files/rfnv/" + changed);
        Bytes data = node->data;
        data.at(0) ^= 1;
        t.put_file("/nv/item_files/rfnv/" + changed, data, node->type, false);
        t.put_file("/extra/file", as_bytes(std::string("x")), sim::EfsNode::Type::file, true);
    });
    auto dev = device();
    auto c = workflows::rescue_detail::compare_with_backup(dev, bundle, {});
    auto mentions = [](const std::vector<std::string>& v, const std::string& what) {
        for (const auto& s : v)
            if (s.find(what) != std::string::npos) return s;
        return std::string();
    };
    EXPECT_NE(mentions(c.differences, gone).find("missing on the module"), std::string::npos);
    EXPECT_NE(mentions(c.differences, changed).find("differs"), std::string::npos);
    EXPECT_NE(mentions(c.extras, "/extra/file"), "");
    EXPECT_EQ(c.differences.size(), 2u) << c.differences.front();
}

}  // namespace
}  // namespace cr::test
