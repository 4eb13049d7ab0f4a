// Reading settings out of query answers, with vectors from the Quectel and u-blox manuals and
// from real modules' transcripts.
#include <gtest/gtest.h>

#include "protocols/at/settings_parse.hpp"

namespace cr::at::settings {
namespace {

const SettingSpec& spec(Vendor v, const char* id) {
    const SettingSpec* s = find_spec(v, id);
    EXPECT_NE(s, nullptr) << id;
    return *s;
}

TEST(SettingsParse, QcfgItemsByKey) {
    auto v = parse_value(spec(Vendor::quectel, "qcfg/usbnet"), {"+QCFG: \"usbnet\",0"});
    EXPECT_EQ(v.value, "0");
    v = parse_value(spec(Vendor::quectel, "qcfg/data_interface"),
                    {"+QCFG: \"data_interface\",0,0"});
    EXPECT_EQ(v.value, "0,0");
    v = parse_value(spec(Vendor::quectel, "qcfg/usbspeed"), {"+QCFG: \"usbspeed\",\"312\""});
    EXPECT_EQ(v.value, "\"312\"");
    // Another item's line (or a URC) is not the answer; the key matches without case.
    v = parse_value(spec(Vendor::quectel, "qcfg/usbnet"),
                    {"+QIND: PB DONE", "+QCFG: \"band\",0x3,0x5,0x0", "+QCFG: \"USBNET\",1"});
    EXPECT_EQ(v.value, "1");
    v = parse_value(spec(Vendor::quectel, "qcfg/band"),
                    {"+QCFG: \"band\",0xbff,0x1e00b0e18df,0x0"});
    EXPECT_EQ(v.value, "0xbff,0x1e00b0e18df,0x0");
}

TEST(SettingsParse, QnwprefcfgAndQmbncfg) {
    auto v =
        parse_value(spec(Vendor::quectel, "qnwprefcfg/lte_band"),
                    {"+QNWPREFCFG: \"lte_band\",1:2:3:4:5:7:8:12:13:14:17:18:19:20:25:26:28:29:"
                     "30:32:34:38:39:40:41:42:66:71"});
    ASSERT_TRUE(v.value);
    EXPECT_TRUE(v.value->starts_with("1:2:3:4"));
    v = parse_value(spec(Vendor::quectel, "qnwprefcfg/mode_pref"),
                    {"+QNWPREFCFG: \"mode_pref\",AUTO"});
    EXPECT_EQ(v.value, "AUTO");
    v = parse_value(spec(Vendor::quectel, "qmbncfg/Select"),
                    {"+QMBNCFG: \"Select\",\"ROW_Generic_3GPP\""});
    EXPECT_EQ(v.value, "\"ROW_Generic_3GPP\"");
    v = parse_value(spec(Vendor::quectel, "qmbncfg/AutoSel"), {"+QMBNCFG: \"AutoSel\",1"});
    EXPECT_EQ(v.value, "1");
    // Nothing selected: no value, no problem.
    v = parse_value(spec(Vendor::quectel, "qmbncfg/Select"), {"+QMBNCFG: \"Select\""});
    EXPECT_FALSE(v.value);
    EXPECT_TRUE(v.problem.empty());
}

TEST(SettingsParse, AnAnswerThatIsNotAValueIsAProblemNotAValue) {
    auto v = parse_value(spec(Vendor::quectel, "qcfg/usbnet"), {"+QCFG: \"usbnet\",abc;AT"});
    EXPECT_FALSE(v.value);
    EXPECT_NE(v.problem.find("usbnet"), std::string::npos);
    v = parse_value(spec(Vendor::quectel, "qcfg/usbnet"), {"+QCFG: \"usbnet\""});
    EXPECT_FALSE(v.value);
    v = parse_value(spec(Vendor::quectel, "qcfg/usbnet"), {"+QCFG: usbnet,1"});  // unquoted key
    EXPECT_FALSE(v.value);
}

TEST(SettingsParse, UbloxAnswers) {
    EXPECT_EQ(parse_value(spec(Vendor::ublox, "umnoprof"), {"+UMNOPROF: 90"}).value, "90");
    EXPECT_EQ(parse_value(spec(Vendor::ublox, "urat"), {"+URAT: 7,8"}).value, "7,8");
    EXPECT_EQ(
        parse_value(spec(Vendor::ublox, "ubandmask"), {"+UBANDMASK: 0,185473183,1048578"}).value,
        "0,185473183,1048578");
    EXPECT_EQ(parse_value(spec(Vendor::ublox, "usio"), {"+USIO: 5,*5"}).value, "5");
    EXPECT_EQ(parse_usio_active({"+USIO: 2,*0"}), "0");
    EXPECT_FALSE(parse_usio_active({"+USIO: 2"}));
}

TEST(SettingsParse, PdpContexts) {
    auto c = parse_contexts({
        R"(+CGDCONT: 1,"IPV4V6","","0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0,,,,,,,,,,"")",
        R"(+CGDCONT: 2,"IPV4V6","ims","0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0)",
        R"(+CGDCONT: 1,"IP","dup","0.0.0.0",0,0,0,0)",   // a repeated cid keeps the first
        R"(+CGDCONT: 0,"IP","zero","0.0.0.0",0,0,0,0)",  // cid 0 is not a context
        R"(+CGDCONT: 3,"IP")",                           // too short
        R"(+CGDCONT: 4,"IP","a;b")",                     // not an APN
        R"(+CGDCONT: 5,"IP","10569.mcs","0.0.0.0",0,0,0,0)",
    });
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0], (std::pair<int, std::string>{1, R"("IPV4V6","")"}));
    EXPECT_EQ(c[1], (std::pair<int, std::string>{2, R"("IPV4V6","ims")"}));
    EXPECT_EQ(c[2], (std::pair<int, std::string>{5, R"("IP","10569.mcs")"}));
}

TEST(SettingsParse, MbnListFromARealModule) {
    std::vector<std::string> active;
    auto names = parse_mbn_list(
        {
            R"(+QMBNCFG: "List",0,0,0,"ROW_Generic_3GPP",0x0501081F,202307241)",
            R"(+QMBNCFG: "List",4,1,1,"Commercial-TMO_VoLTE",0x05010505,202301051)",
            R"(+QMBNCFG: "List",5,0,0,"bad name",0x0580F601,202105061)",
            R"(+QMBNCFG: "Select","x")",
        },
        &active);
    EXPECT_EQ(names, (std::vector<std::string>{"ROW_Generic_3GPP", "Commercial-TMO_VoLTE"}));
    EXPECT_EQ(active, (std::vector<std::string>{"Commercial-TMO_VoLTE"}));
}

}  // namespace
}  // namespace cr::at::settings
