// The settings record: JSON round trip, hostile documents, diff; the re-apply plan.
#include <gtest/gtest.h>

#include "protocols/at/settings_plan.hpp"
#include "protocols/at/settings_record.hpp"
#include "src/util/error.hpp"

namespace cr::at::settings {
namespace {

SettingsRecord quectel(std::vector<Setting> settings,
                       std::string firmware = "RM520NGLAAR01A07M4G") {
    SettingsRecord r;
    r.module = {Vendor::quectel,   "RM520N-GL",  firmware,
                "867533794720906", "0x63a5483a", "sim:rm520n"};
    r.created = "2026-01-01T00:00:00Z";
    r.settings = std::move(settings);
    for (auto& s : r.settings)
        if (s.command.empty()) s.command = find_spec(Vendor::quectel, s.id)->query;
    r.carrier_configs = {"ROW_Generic_3GPP", "Commercial-DT"};
    return r;
}

TEST(SettingsRecord, JsonRoundTripKeepsEverything) {
    SettingsRecord r = quectel({{"qcfg/usbnet", "", "1"},
                                {"qnwprefcfg/lte_band", "", "1:3:7"},
                                {"cgdcont/1", "", R"("IPV4V6","internet")"}});
    r.unsupported.push_back({"qcfg/band", "AT+QCFG=\"band\"", "ERROR"});
    nlohmann::json j = to_json(r);
    EXPECT_EQ(j["format"], "cellrescue-settings");
    EXPECT_EQ(j["settings"][0]["set"][0], "AT+QCFG=\"usbnet\",1");
    EXPECT_EQ(j["settings"][0]["effect"], "after reboot");
    SettingsRecord back = record_from_json(j);
    EXPECT_EQ(to_json(back), j);
    EXPECT_EQ(back.module.chip_serial, "0x63a5483a");
    EXPECT_TRUE(diff(r, back).empty());
}

void expect_refused(const std::string& text, const std::string& why) {
    try {
        record_from_text(text);
        ADD_FAILURE() << "accepted: " << text;
    } catch (const DecodeError& e) {
        EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
}

TEST(SettingsRecord, HostileDocumentsAreRefusedWithAReason) {
    const std::string head =
        R"({"format":"cellrescue-settings","version":1,"module":{"vendor":"quectel"},)";
    expect_refused("", "not valid JSON");
    expect_refused("[1,2]", "not a JSON object");
    expect_refused(R"({"format":"other","version":1})", "format");
    expect_refused(R"({"format":"cellrescue-settings","version":2,"module":{}})", "version");
    expect_refused(R"({"format":"cellrescue-settings","version":1,"module":{"vendor":"zte"}})",
                   "vendor");
    expect_refused(head + R"("settings":[{"id":"qcfg/factory","value":"1"}]})", "qcfg/factory");
    expect_refused(head + R"("settings":[{"id":"qcfg/usbnet","value":"1;+QPRTPARA=3"}]})",
                   "not valid");
    expect_refused(head + R"("settings":[{"id":"qcfg/usbnet","value":"1"},)" +
                       R"({"id":"qcfg/usbnet","value":"2"}]})",
                   "twice");
    expect_refused(head + R"("settings":[{"id":"qcfg/usbnet","value":1}]})", "not a string");
    expect_refused(head + R"("settings":{"id":"x"}})", "not a list");
    std::string many = head + R"("settings":[)";
    for (int i = 0; i < 600; ++i) many += std::string(i ? "," : "") + "{}";
    expect_refused(many + "]}", "more than");
    expect_refused(head + R"("carrier_configs":["a\"b"]})", "carrier_configs");
    // A truncated file.
    std::string good = to_json(quectel({{"qcfg/usbnet", "", "1"}})).dump();
    expect_refused(good.substr(0, good.size() / 2), "not valid JSON");
}

TEST(SettingsRecord, DiffShowsChangedMissingAndUnknown) {
    SettingsRecord a = quectel({{"qcfg/usbnet", "", "1"},
                                {"qcfg/nat", "", "1"},
                                {"qnwprefcfg/lte_band", "", "7:3:1"},
                                {"cgdcont/2", "", R"("IP","x")"}});
    SettingsRecord b = quectel({{"qcfg/usbnet", "", "0"},
                                {"qnwprefcfg/lte_band", "", "1:3:7"},
                                {"cgdcont/3", "", R"("IP","y")"}},
                               "RM520NGLAAR03A03M4G");
    b.unsupported.push_back({"qcfg/nat", "AT+QCFG=\"nat\"", "ERROR"});
    RecordDiff d = diff(a, b);
    EXPECT_TRUE(d.firmware_differs);
    EXPECT_EQ(d.same, 1u);  // the band list, in another order
    ASSERT_EQ(d.differences.size(), 4u);
    EXPECT_EQ(d.differences[0].id, "qcfg/usbnet");
    EXPECT_EQ(d.differences[1].id, "qcfg/nat");
    EXPECT_FALSE(d.differences[1].b);
    EXPECT_NE(d.differences[1].note.find("unknown to B's firmware RM520NGLAAR03A03M4G"),
              std::string::npos);
    EXPECT_EQ(d.differences[2].id, "cgdcont/2");
    EXPECT_EQ(d.differences[3].id, "cgdcont/3");
    EXPECT_FALSE(d.differences[3].a);
}

const PlanStep* step(const ApplyPlan& p, const std::string& id) {
    for (const auto& s : p.steps)
        if (s.id == id) return &s;
    return nullptr;
}

TEST(SettingsPlan, UnknownIsReportedEqualIsKeptDifferentIsSet) {
    SettingsRecord saved = quectel({{"qmbncfg/AutoSel", "", "0"},
                                    {"qmbncfg/Select", "", "\"Commercial-DT\""},
                                    {"qcfg/usbnet", "", "1"},
                                    {"qcfg/nat", "", "1"},
                                    {"qnwprefcfg/lte_band", "", "1:3:7"},
                                    {"cgdcont/1", "", R"("IPV4V6","internet")"}});
    SettingsRecord now = quectel({{"qmbncfg/AutoSel", "", "1"},
                                  {"qmbncfg/Select", "", "\"ROW_Generic_3GPP\""},
                                  {"qcfg/usbnet", "", "0"},
                                  {"qnwprefcfg/lte_band", "", "7:3:1"},
                                  {"cgdcont/1", "", R"("IPV4V6","")"}},
                                 "RM520NGLAAR03A03M4G");
    now.unsupported.push_back({"qcfg/nat", "AT+QCFG=\"nat\"", "ERROR"});

    ApplyPlan profile = plan_apply(saved, now, Phase::profile);
    ASSERT_EQ(profile.steps.size(), 2u);
    EXPECT_EQ(profile.steps[0].id, "qmbncfg/AutoSel");  // AutoSel before Select
    EXPECT_EQ(profile.steps[0].commands, (std::vector<std::string>{"AT+QMBNCFG=\"AutoSel\",0"}));
    EXPECT_EQ(profile.steps[1].commands,
              (std::vector<std::string>{"AT+QMBNCFG=\"Select\",\"Commercial-DT\""}));
    EXPECT_TRUE(profile.reboot());
    EXPECT_FALSE(profile.radio_off());

    ApplyPlan normal = plan_apply(saved, now, Phase::normal);
    EXPECT_EQ(step(normal, "qcfg/usbnet")->action, StepAction::set);
    EXPECT_EQ(step(normal, "qcfg/usbnet")->current, "0");
    EXPECT_EQ(step(normal, "qcfg/nat")->action, StepAction::skip_unknown);
    EXPECT_NE(step(normal, "qcfg/nat")->reason.find("not forced"), std::string::npos);
    EXPECT_TRUE(step(normal, "qcfg/nat")->commands.empty());
    EXPECT_EQ(step(normal, "qnwprefcfg/lte_band")->action, StepAction::keep);
    EXPECT_EQ(step(normal, "cgdcont/1")->commands,
              (std::vector<std::string>{R"(AT+CGDCONT=1,"IPV4V6","internet")"}));
    EXPECT_EQ(step(normal, "qmbncfg/AutoSel"), nullptr);  // not this phase
    EXPECT_TRUE(normal.reboot());                         // usbnet is live only after a reboot
    EXPECT_NE(describe(normal).find("unknown"), std::string::npos);
}

TEST(SettingsPlan, SelectFollowsAutoSelAndMustBeListed) {
    SettingsRecord saved =
        quectel({{"qmbncfg/AutoSel", "", "1"}, {"qmbncfg/Select", "", "\"Commercial-DT\""}});
    SettingsRecord now =
        quectel({{"qmbncfg/AutoSel", "", "1"}, {"qmbncfg/Select", "", "\"ROW_Generic_3GPP\""}});
    ApplyPlan p = plan_apply(saved, now, Phase::profile);
    EXPECT_EQ(step(p, "qmbncfg/AutoSel")->action, StepAction::keep);
    EXPECT_EQ(step(p, "qmbncfg/Select")->action, StepAction::skip_automatic);
    EXPECT_FALSE(p.reboot());

    saved.settings[0].value = "0";
    saved.settings[1].value = "\"Gone-MBN\"";
    p = plan_apply(saved, now, Phase::profile);
    EXPECT_EQ(step(p, "qmbncfg/Select")->action, StepAction::skip_unknown);
    EXPECT_NE(step(p, "qmbncfg/Select")->reason.find("List"), std::string::npos);
}

TEST(SettingsPlan, UbloxProfileNeedsTheRadioOff) {
    SettingsRecord saved, now;
    saved.module.vendor = now.module.vendor = Vendor::ublox;
    saved.settings = {{"umnoprof", "AT+UMNOPROF?", "2"},
                      {"ubandmask", "AT+UBANDMASK?", "0,2074,1,2074"}};
    now.settings = {{"umnoprof", "AT+UMNOPROF?", "0"},
                    {"ubandmask", "AT+UBANDMASK?", "0,185473183,1,185473183"}};
    ApplyPlan p = plan_apply(saved, now, Phase::profile);
    ASSERT_EQ(p.steps.size(), 1u);
    EXPECT_TRUE(p.radio_off());
    EXPECT_TRUE(p.reboot());
    ApplyPlan n = plan_apply(saved, now, Phase::normal);
    EXPECT_EQ(n.steps.at(0).commands,
              (std::vector<std::string>{"AT+UBANDMASK=0,2074", "AT+UBANDMASK=1,2074"}));
    EXPECT_FALSE(n.radio_off());
}

}  // namespace
}  // namespace cr::at::settings
