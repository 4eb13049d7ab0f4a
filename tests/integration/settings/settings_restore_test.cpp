// Settings across a flash on virtual modules: save, the flash wipes them, apply restores them,
// they compare equal; a setting the new firmware no longer knows is reported, not forced.
#include <fstream>

#include "settings_fixture.hpp"
#include "sim/ublox/ublox_package.hpp"
#include "src/package/sim_firmware.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "src/workflows/foat/foat.hpp"
#include "src/workflows/rescue/rescue.hpp"
#include "src/workflows/settings/settings_store.hpp"

namespace cr::test {
namespace {

namespace fs = std::filesystem;
using at::settings::SettingsRecord;
using workflows::SettingsApplyReport;

class SettingsRestore : public SettingsFixture {
  protected:
    // The user's own configuration, different from every factory default.
    const std::vector<std::string> quectel_custom = {"AT+QMBNCFG=\"AutoSel\",0",
                                                     "AT+QMBNCFG=\"Select\",\"Commercial-DT\"",
                                                     "AT+QCFG=\"usbnet\",1",
                                                     "AT+QCFG=\"data_interface\",1,0",
                                                     "AT+QCFG=\"pcie/mode\",1",
                                                     "AT+QCFG=\"nat\",1",
                                                     "AT+QMAPWAC=1",
                                                     "AT+QNWPREFCFG=\"mode_pref\",LTE:NR5G",
                                                     "AT+QNWPREFCFG=\"lte_band\",1:3:7:20",
                                                     "AT+QNWPREFCFG=\"nr5g_band\",78"};
    // APNs are set once the carrier MBN is live (its boot rewrites context 1).
    const std::vector<std::string> quectel_apns = {"AT+CGDCONT=1,\"IPV4V6\",\"internet.example\"",
                                                   "AT+CGDCONT=5,\"IP\",\"m2m.example\""};

    fs::path package(const std::string& model) {
        fs::path out = dir_ / ("pkg-" + model);
        package::SimFirmwareOptions o;
        o.image_bytes = 20000;
        package::make_sim_firmware(sim::require_model(model), out, o);
        return out;
    }
    workflows::FlashReport flash(Device& dev, const fs::path& pkg, bool restore = false) {
        workflows::FlashOptions o;
        o.package = pkg;
        o.backup_dir = store();
        o.programmer_dir = dir_ / "programmers";
        o.restore_settings = restore;
        return workflows::flash_package(dev, o);
    }
    static const workflows::AppliedSetting* find(const SettingsApplyReport& r,
                                                 const std::string& id) {
        for (const auto& a : r.settings)
            if (a.id == id) return &a;
        return nullptr;
    }
};

TEST_F(SettingsRestore, QuectelSaveFlashWipesApplyRestoresEqual) {
    auto m = module("rm520n");
    SimDevice dev(m);
    all_ok(dev, quectel_custom);
    all_ok(dev, {"AT+CFUN=1,1"});
    all_ok(dev, quectel_apns);
    SettingsRecord saved = workflows::read_device_settings(dev);
    EXPECT_EQ(saved.unsupported.size(), 2u);  // band, nwscanmode: EC2x items

    auto report = flash(dev, package("rm520n"));
    ASSERT_TRUE(report.settings);
    ASSERT_TRUE(report.settings->saved);  // in the backup store (beside calibration backups)
    auto stored = workflows::load_settings(*report.settings->saved);
    EXPECT_TRUE(at::settings::diff(saved, stored).empty());
    EXPECT_EQ(stored.module.chip_serial.empty(), false);  // EDL's identity was added
    // The flash reset them: the report shows what differs.
    ASSERT_TRUE(report.settings->changes);
    EXPECT_EQ(report.settings->changes->differences.size(), 12u);
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), std::vector<std::string>{"+QCFG: \"usbnet\",0"});

    SettingsApplyReport applied = workflows::apply_device_settings(dev, stored);
    EXPECT_TRUE(applied.verified()) << workflows::describe(applied);
    EXPECT_EQ(applied.count("restored"), 12u) << workflows::describe(applied);
    EXPECT_EQ(applied.count("unknown"), 0u);
    EXPECT_EQ(applied.reboots, 2);  // MBN profile first, then usbnet & co.
    // Context 1 was set after the carrier MBN's reboot, so its APN is the user's, not the MBN's.
    EXPECT_EQ(find(applied, "cgdcont/1")->before, R"("IPV4V6","internet.telekom")");
    EXPECT_TRUE(at::settings::diff(saved, workflows::read_device_settings(dev)).empty());
    // Nothing left to do the second time.
    SettingsApplyReport again = workflows::apply_device_settings(dev, stored);
    EXPECT_EQ(again.count("kept"), again.settings.size());
    EXPECT_EQ(again.reboots, 0);
}

TEST_F(SettingsRestore, FlashWithRestoreSettingsPutsThemBack) {
    SimDevice dev(module("rm500q"));
    all_ok(dev, {"AT+QCFG=\"usbnet\",3", "AT+QNWPREFCFG=\"nsa_nr5g_band\",41:78",
                 "AT+CGDCONT=2,\"IP\",\"ims.example\""});
    auto report = flash(dev, package("rm500q"), true);
    ASSERT_TRUE(report.settings && report.settings->restored);
    EXPECT_TRUE(report.settings->restored->verified());
    EXPECT_FALSE(report.settings->restore_failed());
    EXPECT_EQ(report.settings->restored->count("restored"), 3u);
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), std::vector<std::string>{"+QCFG: \"usbnet\",3"});
    EXPECT_NE(workflows::describe(report).find("Settings re-applied"), std::string::npos);
}

TEST_F(SettingsRestore, FlashFromEdlCannotReadThemAndSaysSo) {
    auto m = module("ec25");
    sim::apply_state(*m, "edl", {});
    SimDevice dev(m);
    auto report = flash(dev, package("ec25"), true);
    ASSERT_TRUE(report.settings);
    EXPECT_FALSE(report.settings->before);
    ASSERT_FALSE(report.settings->notes.empty());
    EXPECT_NE(report.settings->notes.front().find("mode (they are read over AT"), std::string::npos)
        << report.settings->notes.front();
}

TEST_F(SettingsRestore, ASettingTheNewFirmwareNoLongerKnowsIsReportedNotForced) {
    auto m = module("rm520n");
    SimDevice dev(m);
    all_ok(dev, quectel_custom);
    all_ok(dev, quectel_apns);
    auto report = flash(dev, package("rm520n"));
    ASSERT_TRUE(report.settings && report.settings->saved);
    // The package carried a newer firmware revision (R03), which dropped nat and QMAPWAC.
    sim::StateOptions newer;
    newer.firmware = "RM520NGLAAR03A03M4G";
    sim::apply_state(*m, "", newer);

    SettingsApplyReport applied =
        workflows::apply_device_settings(dev, workflows::load_settings(*report.settings->saved));
    EXPECT_TRUE(applied.verified()) << workflows::describe(applied);
    EXPECT_EQ(applied.count("unknown"), 2u);
    EXPECT_EQ(find(applied, "qcfg/nat")->status, "unknown");
    EXPECT_NE(find(applied, "qcfg/nat")->detail.find("RM520NGLAAR03A03M4G"), std::string::npos);
    EXPECT_EQ(find(applied, "qmapwac")->status, "unknown");
    EXPECT_EQ(find(applied, "qcfg/usbnet")->status, "restored");
    EXPECT_NE(workflows::describe(applied).find("2 unknown to firmware RM520NGLAAR03A03M4G"),
              std::string::npos);
    auto json = workflows::to_json(applied);
    EXPECT_TRUE(json["verified"].get<bool>());
    EXPECT_FALSE(json["complete"].get<bool>());
}

TEST_F(SettingsRestore, AValueTheModuleRefusesIsFailedNotRetried) {
    SimDevice dev(module("rm520n"));
    SettingsRecord saved = workflows::read_device_settings(dev);
    for (auto& s : saved.settings)
        if (s.id == "qnwprefcfg/lte_band") s.value = "1:99";  // well-formed, not a band it has
    SettingsApplyReport applied = workflows::apply_device_settings(dev, saved);
    EXPECT_FALSE(applied.verified());
    EXPECT_EQ(find(applied, "qnwprefcfg/lte_band")->status, "failed");
    EXPECT_NE(find(applied, "qnwprefcfg/lte_band")->detail.find("ERROR"), std::string::npos);
}

TEST_F(SettingsRestore, AnotherVendorsRecordIsRefused) {
    SimDevice ublox(module("sara-r5"));
    SimDevice quectel(module("ec25"));
    SettingsRecord saved = workflows::read_device_settings(ublox);
    EXPECT_THROW(workflows::apply_device_settings(quectel, saved), UsageError);
}

TEST_F(SettingsRestore, UbloxSaveFullFlashApplyRestoresInTheRightOrder) {
    auto m = module("sara-r412m");
    SimDevice dev(m);
    all_ok(dev, {"AT+CFUN=0", "AT+UMNOPROF=100", "AT+CFUN=15"});
    // After the profile, the user's own bands on NB-IoT, RATs, serial variant and APN.
    all_ok(dev, {"AT+UBANDMASK=1,134217732", "AT+URAT=8", "AT+USIO=3",
                 "AT+CGDCONT=1,\"IP\",\"m2m.example\"", "AT+CFUN=15"});
    SettingsRecord saved = workflows::read_device_settings(dev);
    fs::path file = dir_ / "r412m.json";
    workflows::write_settings_file(saved, file);

    sim::apply_state(*m, "full-flash", {});
    EXPECT_EQ(ask(dev, "AT+UMNOPROF?"), std::vector<std::string>{"+UMNOPROF: 0"});

    SettingsApplyReport applied =
        workflows::apply_device_settings(dev, workflows::load_settings(file));
    EXPECT_TRUE(applied.verified()) << workflows::describe(applied);
    EXPECT_EQ(applied.count("restored"), 5u) << workflows::describe(applied);
    EXPECT_EQ(applied.reboots, 2);
    // The profile went live first; the bands were written after its reboot and survived it.
    EXPECT_EQ(ask(dev, "AT+UBANDMASK?"),
              std::vector<std::string>{"+UBANDMASK: 0,524420,1,134217732"});
    EXPECT_EQ(ask(dev, "AT+USIO?"), std::vector<std::string>{"+USIO: 3,*3"});
    EXPECT_TRUE(at::settings::diff(saved, workflows::read_device_settings(dev)).empty());
}

TEST_F(SettingsRestore, UbloxFoatKeepsTheSettings) {
    auto m = module("sara-r5");
    SimDevice dev(m);
    all_ok(dev, {"AT+URAT=7", "AT+USIO=1", "AT+CGDCONT=1,\"IP\",\"kept.example\""});
    SettingsRecord before = workflows::read_device_settings(dev);
    Bytes pkg = sim::ublox::make_package({"sara-r5", "02.08,A00.02", "02.06,A00.01", 20000});
    fs::path file = dir_ / "update.bin";
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(pkg.data()), static_cast<long>(pkg.size()));
    workflows::FoatOptions o;
    o.package = file;
    o.install_timeout = std::chrono::seconds(60);
    o.poll_interval = Millis(50);
    ASSERT_TRUE(workflows::run_foat(dev, o).updated);
    SettingsRecord after = workflows::read_device_settings(dev);
    EXPECT_NE(after.module.firmware, before.module.firmware);
    auto d = at::settings::diff(before, after);
    EXPECT_TRUE(d.empty());
    EXPECT_TRUE(d.firmware_differs);
}

TEST_F(SettingsRestore, RescueReappliesTheModulesSavedSettings) {
    auto m = module("rm520n");
    SimDevice dev(m);
    workflows::BackupOptions b;
    b.store_dir = store();
    workflows::backup(dev, b);
    all_ok(dev, {"AT+QCFG=\"usbnet\",2", "AT+QNWPREFCFG=\"lte_band\",3:7"});
    SettingsRecord saved = workflows::read_device_settings(dev);
    workflows::save_settings_bundle(store(), saved, workflows::settings_identity(saved));
    sim::apply_state(*m, "cfun5", {});  // efs2 wiped: calibration and settings gone

    workflows::RescueOptions o;
    o.store_dir = store();
    auto r = workflows::rescue(dev, o);
    EXPECT_EQ(r.outcome, workflows::RescueOutcome::repaired) << workflows::format_text(r);
    ASSERT_TRUE(r.settings);
    EXPECT_EQ(r.settings->count("restored"), 2u) << workflows::describe(*r.settings);
    EXPECT_TRUE(at::settings::diff(saved, workflows::read_device_settings(dev)).empty());
    EXPECT_NE(workflows::format_text(r).find("settings:"), std::string::npos);
}

TEST_F(SettingsRestore, RescueWithoutRestoreSettingsLeavesThem) {
    auto m = module("rm520n");
    SimDevice dev(m);
    workflows::BackupOptions b;
    b.store_dir = store();
    workflows::backup(dev, b);
    all_ok(dev, {"AT+QCFG=\"usbnet\",2"});
    SettingsRecord saved = workflows::read_device_settings(dev);
    workflows::save_settings_bundle(store(), saved, workflows::settings_identity(saved));
    sim::apply_state(*m, "cfun5", {});
    workflows::RescueOptions o;
    o.store_dir = store();
    o.restore_settings = false;
    auto r = workflows::rescue(dev, o);
    EXPECT_EQ(r.outcome, workflows::RescueOutcome::repaired);
    EXPECT_FALSE(r.settings);
    EXPECT_NE(r.settings_note.find("--no-restore-settings"), std::string::npos);
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), std::vector<std::string>{"+QCFG: \"usbnet\",0"});
}

}  // namespace
}  // namespace cr::test
