// The virtual modules' settings, as the AT manuals describe them: exact answers, per-model and
// per-firmware knowledge, reboot effects, and what a flash resets.
#include "settings_fixture.hpp"
#include "sim/core/model_catalog.hpp"
#include "sim/core/module_settings.hpp"

namespace cr::test {
namespace {

using Lines = std::vector<std::string>;
class SimSettings : public SettingsFixture {};

TEST_F(SimSettings, QuectelAnswersQueryAndSetFormsAsTheManualSays) {
    SimDevice dev(module("rm520n"));
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",0"});
    EXPECT_EQ(ask(dev, "AT+QCFG=\"data_interface\""), Lines{"+QCFG: \"data_interface\",0,0"});
    EXPECT_EQ(ask(dev, "AT+QCFG=\"pcie/mode\""), Lines{"+QCFG: \"pcie/mode\",0"});
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbspeed\""), Lines{"+QCFG: \"usbspeed\",\"312\""});
    EXPECT_EQ(ask(dev, "AT+QNWPREFCFG=\"mode_pref\""), Lines{"+QNWPREFCFG: \"mode_pref\",AUTO"});
    EXPECT_EQ(ask(dev, "AT+QMBNCFG=\"AutoSel\""), Lines{"+QMBNCFG: \"AutoSel\",1"});
    EXPECT_EQ(ask(dev, "AT+QMAPWAC?"), Lines{"+QMAPWAC: 0"});
    all_ok(dev, {"AT+QCFG=\"usbnet\",1", "AT+QCFG=\"usbspeed\",\"20\"",
                 "AT+QNWPREFCFG=\"lte_band\",20:3:1", "AT+QNWPREFCFG=\"mode_pref\",lte:nr5g",
                 "AT+CGDCONT=1,\"IPV4V6\",\"internet\"", "AT+CGDCONT=3"});
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",1"});
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbspeed\""), Lines{"+QCFG: \"usbspeed\",\"20\""});
    EXPECT_EQ(ask(dev, "AT+QNWPREFCFG=\"lte_band\""), Lines{"+QNWPREFCFG: \"lte_band\",1:3:20"});
    EXPECT_EQ(ask(dev, "AT+QNWPREFCFG=\"mode_pref\""),
              Lines{"+QNWPREFCFG: \"mode_pref\",LTE:NR5G"});
    EXPECT_EQ(ask(dev, "AT+CGDCONT?"),
              (Lines{R"(+CGDCONT: 1,"IPV4V6","internet","0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0)",
                     R"(+CGDCONT: 2,"IPV4V6","ims","0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0)"}));
    // Refused values and unknown items: ERROR, and nothing changes.
    for (const char* bad :
         {"AT+QCFG=\"usbnet\",7", "AT+QCFG=\"usbspeed\",\"30\"", "AT+QCFG=\"frobnicate\"",
          "AT+QNWPREFCFG=\"lte_band\",99", "AT+QNWPREFCFG=\"mode_pref\",AUTO:LTE",
          "AT+QMBNCFG=\"Select\",\"Nope\"", "AT+CGDCONT=43,\"IP\",\"x\"",
          "AT+CGDCONT=1,\"X25\",\"x\""})
        EXPECT_EQ(ask(dev, bad), Lines{"ERROR"}) << bad;
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",1"});
}

TEST_F(SimSettings, CarrierConfigurationGoesLiveAtRebootAndBringsItsApn) {
    SimDevice dev(module("rm520n"));
    all_ok(dev, {"AT+CGDCONT=1,\"IPV4V6\",\"mine\"", "AT+QMBNCFG=\"AutoSel\",0",
                 "AT+QMBNCFG=\"Select\",\"Commercial-DT\""});
    auto list = ask(dev, "AT+QMBNCFG=\"List\"");
    ASSERT_EQ(list.size(), 5u);
    EXPECT_EQ(list[0], "+QMBNCFG: \"List\",0,0,1,\"ROW_Generic_3GPP\",0x0501081F,202307241");
    EXPECT_EQ(list[4], "+QMBNCFG: \"List\",4,1,0,\"Commercial-DT\",0x05011F1C,202310161");
    EXPECT_EQ(ask(dev, "AT+QMBNCFG=\"Select\""), Lines{"+QMBNCFG: \"Select\",\"Commercial-DT\""});
    {
        auto port = dev.open_at();
        at::AtChannel ch(*port);
        ch.open();
        EXPECT_TRUE(ch.command("AT+CFUN=1,1", Millis(15000)).ok());
    }
    list = ask(dev, "AT+QMBNCFG=\"List\"");
    EXPECT_EQ(list[4], "+QMBNCFG: \"List\",4,1,1,\"Commercial-DT\",0x05011F1C,202310161");
    // The carrier MBN rewrote context 1 at boot: an APN set before the reboot is gone.
    EXPECT_EQ(
        ask(dev, "AT+CGDCONT?").front(),
        R"(+CGDCONT: 1,"IPV4V6","internet.telekom","0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0)");
}

TEST_F(SimSettings, ModelsAndFirmwareRevisionsKnowDifferentSettings) {
    SimDevice ec25(module("ec25"));
    EXPECT_EQ(ask(ec25, "AT+QCFG=\"band\""), Lines{"+QCFG: \"band\",0xd3,0x1a0000800d5,0x0"});
    EXPECT_EQ(ask(ec25, "AT+QCFG=\"nwscanmode\""), Lines{"+QCFG: \"nwscanmode\",0"});
    for (const char* unknown :
         {"AT+QCFG=\"data_interface\"", "AT+QCFG=\"pcie/mode\"", "AT+QCFG=\"usbspeed\"",
          "AT+QNWPREFCFG=\"lte_band\"", "AT+QMAPWAC?"})
        EXPECT_EQ(ask(ec25, unknown), Lines{"ERROR"}) << unknown;
    all_ok(ec25, {"AT+QCFG=\"band\",0x3,0x80084,0x0,1"});
    EXPECT_EQ(ask(ec25, "AT+QCFG=\"band\""), Lines{"+QCFG: \"band\",0x3,0x80084,0x0"});

    auto m = module("rm520n");
    SimDevice rm520n(m);
    EXPECT_EQ(ask(rm520n, "AT+QCFG=\"nat\""), Lines{"+QCFG: \"nat\",0"});
    sim::StateOptions newer;
    newer.firmware = "RM520NGLAAR03A03M4G";
    sim::apply_state(*m, "", newer);
    EXPECT_EQ(ask(rm520n, "AT+QCFG=\"nat\""), Lines{"ERROR"});
    EXPECT_EQ(ask(rm520n, "AT+QMAPWAC?"), Lines{"ERROR"});
    EXPECT_EQ(ask(rm520n, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",0"});
}

TEST_F(SimSettings, UbloxProfileNeedsTheRadioOffAndBringsItsBandsAtReboot) {
    SimDevice dev(module("sara-r412m"));
    EXPECT_EQ(ask(dev, "AT+UBANDMASK?"), Lines{"+UBANDMASK: 0,185473183,1,185473183"});
    EXPECT_EQ(ask(dev, "AT+URAT?"), Lines{"+URAT: 7,8"});
    all_ok(dev, {"AT+CMEE=2"});
    EXPECT_EQ(ask(dev, "AT+UMNOPROF=2"), Lines{"+CME ERROR: operation not allowed"});
    all_ok(dev, {"AT+UBANDMASK=1,524420", "AT+CFUN=0", "AT+UMNOPROF=2", "AT+CFUN=15"});
    // AT&T's profile is live after the reboot, with its RAT and bands (2, 4, 5, 12 = 2074).
    EXPECT_EQ(ask(dev, "AT+UMNOPROF?"), Lines{"+UMNOPROF: 2"});
    EXPECT_EQ(ask(dev, "AT+UBANDMASK?"), Lines{"+UBANDMASK: 0,2074,1,2074"});
    EXPECT_EQ(ask(dev, "AT+URAT?"), Lines{"+URAT: 7"});
    EXPECT_EQ(ask(dev, "AT+CFUN?"), Lines{"+CFUN: 1"});
    all_ok(dev, {"AT+USIO=2", "AT+URAT=8,7"});
    EXPECT_EQ(ask(dev, "AT+USIO?"), Lines{"+USIO: 2,*0"});
    all_ok(dev, {"AT+CFUN=15"});
    EXPECT_EQ(ask(dev, "AT+USIO?"), Lines{"+USIO: 2,*2"});
    EXPECT_EQ(ask(dev, "AT+URAT?"), Lines{"+URAT: 8,7"});
    for (const char* bad : {"AT+URAT=5", "AT+URAT=7,7", "AT+UBANDMASK=2,5", "AT+USIO=99"})
        EXPECT_EQ(ask(dev, bad).front().rfind("+CME ERROR", 0), 0u) << bad;
}

TEST_F(SimSettings, SaraR5AndLenaR8) {
    SimDevice r5(module("sara-r5"));
    EXPECT_EQ(ask(r5, "AT+UMNOPROF?"), Lines{"+UMNOPROF: 100"});
    EXPECT_EQ(ask(r5, "AT+UBANDMASK?"), Lines{"+UBANDMASK: 0,524420,0"});
    EXPECT_EQ(ask(r5, "AT+UBANDMASK=1,5").front().rfind("+CME ERROR", 0), 0u);  // LTE-M only
    SimDevice lena(module("lena-r8"));
    for (const char* unknown : {"AT+URAT?", "AT+UBANDMASK?", "AT+USIO?"})
        EXPECT_EQ(ask(lena, unknown), Lines{"ERROR"}) << unknown;
    EXPECT_EQ(ask(lena, "AT+CGDCONT?"), Lines{R"(+CGDCONT: 1,"IP","","0.0.0.0",0,0,0,0)"});
}

TEST_F(SimSettings, FirehoseWritesToFirmwarePartitionsResetThemOthersDoNot) {
    auto m = module("rm520n");
    SimDevice dev(m);
    all_ok(dev, {"AT+QCFG=\"usbnet\",2"});
    const auto* boot = sim::find_partition(m->model(), "boot");
    const auto* system = sim::find_partition(m->model(), "system");
    const auto* modem = sim::find_partition(m->model(), "modem");
    sim::note_flash_write(*m, 0, boot->start_sector, boot->num_sectors);
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",2"});
    sim::note_flash_write(*m, 0, system->start_sector + 3, 1);
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",0"});
    all_ok(dev, {"AT+QCFG=\"usbnet\",2"});
    sim::note_flash_write(*m, 0, modem->start_sector - 1, 2);  // overlaps modem's first sector
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",0"});
    all_ok(dev, {"AT+QCFG=\"usbnet\",2"});
    sim::apply_state(*m, "cfun5", {});  // efs2 wiped
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",0"});
}

// On a multi-LUN UFS a write counts on the LUN it addresses: modem_a lives on LUN 4.
TEST_F(SimSettings, FirehoseWritesCountOnTheirOwnLun) {
    auto m = module("qcs6490-ufs");
    SimDevice dev(m);
    all_ok(dev, {"AT+QCFG=\"usbnet\",2"});
    const auto* modem = sim::find_partition(m->model(), "modem_a");
    ASSERT_EQ(modem->lun, 4u);
    sim::note_flash_write(*m, 1, modem->start_sector, 8);  // the same sectors of LUN 1 (xbl_a)
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",2"});
    sim::note_flash_write(*m, 4, modem->start_sector, 8);
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",0"});
    all_ok(dev, {"AT+QCFG=\"usbnet\",2"});
    const auto* st1 = sim::find_partition(m->model(), "modemst1");  // the live EFS
    sim::note_flash_write(*m, 4, st1->start_sector, 1);
    EXPECT_EQ(ask(dev, "AT+QCFG=\"usbnet\""), Lines{"+QCFG: \"usbnet\",0"});
}

}  // namespace
}  // namespace cr::test
