// Values of module settings: AT parameter lists, validation of untrusted values, equivalence.
#include <gtest/gtest.h>

#include "protocols/at/settings_catalog.hpp"
#include "protocols/at/settings_values.hpp"
#include "src/util/error.hpp"

namespace cr::at::settings {
namespace {

TEST(SettingsValues, SplitParamsKeepsQuotedCommas) {
    EXPECT_EQ(split_params(R"("usbnet",1)"), (std::vector<std::string>{"\"usbnet\"", "1"}));
    EXPECT_EQ(split_params(R"(1,"IP","a,b", 0)"),
              (std::vector<std::string>{"1", "\"IP\"", "\"a,b\"", "0"}));
    EXPECT_EQ(split_params("a,,b"), (std::vector<std::string>{"a", "", "b"}));
    EXPECT_TRUE(split_params("  ").empty());
    std::string inner;
    EXPECT_TRUE(unquote(" \"ROW\" ", inner));
    EXPECT_EQ(inner, "ROW");
    EXPECT_FALSE(unquote("\"a\"b\"", inner));
    EXPECT_FALSE(unquote("\"", inner));
    EXPECT_FALSE(unquote("ROW", inner));
}

TEST(SettingsValues, ValidValuesOfEachKind) {
    EXPECT_TRUE(valid_value(ValueKind::integers, "0"));
    EXPECT_TRUE(valid_value(ValueKind::integers, "0,185473183,1,185473183"));
    EXPECT_TRUE(valid_value(ValueKind::quoted, "\"312\""));
    EXPECT_TRUE(valid_value(ValueKind::quoted, "\"Volte_OpenMkt-Commercial-CMCC\""));
    EXPECT_TRUE(valid_value(ValueKind::band_list, "1:3:7:20"));
    EXPECT_TRUE(valid_value(ValueKind::rat_list, "LTE:NR5G"));
    EXPECT_TRUE(valid_value(ValueKind::hex_list, "0xd3,0x1A0000800D5,0x0"));
    EXPECT_TRUE(valid_value(ValueKind::pdp, R"("IPV4V6","fast.t-mobile.com")"));
    EXPECT_TRUE(valid_value(ValueKind::pdp, R"("IP","")"));
}

// A settings file is untrusted: nothing that could smuggle a second command or odd bytes in.
TEST(SettingsValues, HostileValuesAreRefused) {
    EXPECT_FALSE(valid_value(ValueKind::integers, "1;+QCFG=\"factory\""));
    EXPECT_FALSE(valid_value(ValueKind::integers, "1\r\nAT+QPRTPARA=3"));
    EXPECT_FALSE(valid_value(ValueKind::integers, ""));
    EXPECT_FALSE(valid_value(ValueKind::integers, "1,"));
    EXPECT_FALSE(valid_value(ValueKind::integers, "123456789012345678901"));
    EXPECT_FALSE(valid_value(ValueKind::quoted, "\"a\",\"b\""));
    EXPECT_FALSE(valid_value(ValueKind::quoted, "\"a b\""));
    EXPECT_FALSE(valid_value(ValueKind::band_list, "1::3"));
    EXPECT_FALSE(valid_value(ValueKind::rat_list, "LTE:NR5G;"));
    EXPECT_FALSE(valid_value(ValueKind::hex_list, "0x,0x1"));
    EXPECT_FALSE(valid_value(ValueKind::pdp, R"("X25","apn")"));
    EXPECT_FALSE(valid_value(ValueKind::pdp, R"("IP","ap""n")"));
    EXPECT_FALSE(valid_value(ValueKind::pdp, R"("IP")"));
    EXPECT_FALSE(valid_value(ValueKind::pdp, std::string("\"IP\",\"a\x01\"")));
    EXPECT_FALSE(valid_value(ValueKind::integers, std::string(600, '1')));
    EXPECT_NE(why_invalid(ValueKind::pdp, R"("X25","apn")").find("X25"), std::string::npos);
}

TEST(SettingsValues, EquivalentByMeaning) {
    EXPECT_TRUE(equivalent(ValueKind::band_list, "78:41:77:41", "41:77:78"));
    EXPECT_FALSE(equivalent(ValueKind::band_list, "41:77", "41:77:78"));
    EXPECT_TRUE(
        equivalent(ValueKind::hex_list, "0xD3,0x001a0000800d5,0x0", "0xd3,0x1a0000800d5,0x00"));
    EXPECT_TRUE(equivalent(ValueKind::rat_list, "lte:nr5g", "LTE:NR5G"));
    EXPECT_FALSE(equivalent(ValueKind::rat_list, "NR5G:LTE", "LTE:NR5G"));  // a preference order
    EXPECT_TRUE(equivalent(ValueKind::pdp, R"("ipv4v6","Internet")", R"("IPV4V6","internet")"));
    EXPECT_FALSE(equivalent(ValueKind::pdp, R"("IP","internet")", R"("IPV4V6","internet")"));
    EXPECT_TRUE(equivalent(ValueKind::integers, "07, 8", "7,8"));
    EXPECT_FALSE(equivalent(ValueKind::quoted, "\"311\"", "\"312\""));
}

TEST(SettingsCatalog, SetCommandsAreBuiltFromTheCatalogue) {
    const SettingSpec* usbnet = find_spec(Vendor::quectel, "qcfg/usbnet");
    ASSERT_NE(usbnet, nullptr);
    EXPECT_EQ(set_commands(*usbnet, "qcfg/usbnet", "1"),
              (std::vector<std::string>{"AT+QCFG=\"usbnet\",1"}));
    const SettingSpec* pdp = find_spec(Vendor::quectel, "cgdcont/3");
    ASSERT_NE(pdp, nullptr);
    EXPECT_EQ(set_commands(*pdp, "cgdcont/3", R"("IP","m2m")"),
              (std::vector<std::string>{R"(AT+CGDCONT=3,"IP","m2m")"}));
    const SettingSpec* mask = find_spec(Vendor::ublox, "ubandmask");
    EXPECT_EQ(set_commands(*mask, "ubandmask", "0,2074,1,524420"),
              (std::vector<std::string>{"AT+UBANDMASK=0,2074", "AT+UBANDMASK=1,524420"}));
    EXPECT_EQ(set_commands(*mask, "ubandmask", "0,185473183,1048578"),
              (std::vector<std::string>{"AT+UBANDMASK=0,185473183,1048578"}));
    EXPECT_THROW(set_commands(*usbnet, "qcfg/usbnet", "1;+CFUN=0"), DecodeError);
    EXPECT_THROW(set_commands(*mask, "ubandmask", "5,1"), DecodeError);  // RAT 5
    EXPECT_EQ(find_spec(Vendor::quectel, "cgdcont/0"), nullptr);
    EXPECT_EQ(find_spec(Vendor::quectel, "cgdcont/256"), nullptr);
    EXPECT_EQ(find_spec(Vendor::ublox, "qcfg/usbnet"), nullptr);
    EXPECT_EQ(context_id("cgdcont/12"), 12);
}

TEST(SettingsCatalog, BandmaskGroups) {
    EXPECT_EQ(bandmask_groups("0,168761503,1,168761503"),
              (std::vector<std::string>{"0,168761503", "1,168761503"}));
    EXPECT_EQ(bandmask_groups("0,1,2,1,1,2"), (std::vector<std::string>{"0,1,2", "1,1,2"}));
    EXPECT_TRUE(bandmask_groups("1,5,0,5").empty());                           // RATs must increase
    EXPECT_EQ(bandmask_groups("0,5,1"), (std::vector<std::string>{"0,5,1"}));  // R510S form
    EXPECT_TRUE(bandmask_groups("0,5,1,6,2").empty());
    EXPECT_TRUE(bandmask_groups("3,5").empty());  // RATs are 0..2
    EXPECT_TRUE(bandmask_groups("0,-5").empty());
    EXPECT_TRUE(bandmask_groups("").empty());
}

TEST(SettingsCatalog, ProfileSettingsComeFirstAndAutoSelBeforeSelect) {
    const auto& q = catalogue(Vendor::quectel);
    ASSERT_GE(q.size(), 2u);
    EXPECT_EQ(q[0].id, "qmbncfg/AutoSel");
    EXPECT_EQ(q[1].id, "qmbncfg/Select");
    EXPECT_EQ(q[0].phase, Phase::profile);
    EXPECT_EQ(catalogue(Vendor::ublox).front().id, "umnoprof");
    EXPECT_EQ(catalogue(Vendor::ublox).front().effect, Effect::radio_off_reboot);
}

}  // namespace
}  // namespace cr::at::settings
