#include "nv/xqcn.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "nv/calibration_codec.hpp"
#include "src/util/error.hpp"
#include "tests/unit/nv/test_support.hpp"

namespace cr::nv {
namespace {

std::string golden() {
    std::ifstream in(std::string(CR_SOURCE_DIR) + "/tests/unit/nv/golden/qpst_example.xqcn",
                     std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(Xqcn, ReadsQpstExample) {
    Calibration cal = read_xqcn(golden());
    EXPECT_EQ(cal.source_name, "C:\\path\\00000000_0.xqcn");
    EXPECT_EQ(cal.mobile_model_id, 24655u);
    ASSERT_EQ(cal.nv[0].size(), 2u);
    EXPECT_EQ(cal.nv[0][0].id, 550);
    EXPECT_EQ(cal.nv[0][1].id, 453);
    ASSERT_EQ(cal.nv[1].size(), 1u);
    EXPECT_TRUE(cal.nv[2].empty());
    EXPECT_EQ(cal.identity.imeis, (std::vector<std::string>{"490154203237518", "351000000000005"}));
    const auto& efs = cal.files(EfsGroup::efs_backup);
    ASSERT_EQ(efs.size(), 1u);
    EXPECT_EQ(efs[0].path, "/nv/item_files/rfnv/00020000");
    EXPECT_EQ(efs[0].mtime, 0x12D53D80u);
    EXPECT_EQ(efs[0].data.size(), 16u);
    ASSERT_EQ(cal.files(EfsGroup::provisioning).size(), 1u);
    EXPECT_EQ(cal.files(EfsGroup::provisioning)[0].path, "/nv/item_files/ims/qp_ims_sms_config");
    EXPECT_TRUE(cal.files(EfsGroup::nv_items).empty());
    EXPECT_EQ(cal.property.esn, 0x12345678u);
    EXPECT_EQ(cal.property.sw_version, "ABC");
    EXPECT_EQ(cal.property.tool_name, "QPST");
    EXPECT_EQ(cal.feature_mask, (Bytes{0xFF, 0x0F, 0x00, 0x01}));
}

TEST(Xqcn, WritesQpstLayoutByteForByte) {
    std::string text = golden();
    EXPECT_EQ(write_xqcn(read_xqcn(text)), text);
}

TEST(Xqcn, RoundTripIsLossless) {
    Calibration cal = test::sample_calibration();
    derive_identity(cal);
    std::string text = write_xqcn(cal);
    Calibration back = read_xqcn(text);
    EXPECT_EQ(back.nv, cal.nv);
    EXPECT_EQ(back.efs, cal.efs);
    EXPECT_EQ(back.property, cal.property);
    EXPECT_EQ(back.feature_mask, cal.feature_mask);
    EXPECT_EQ(back.identity.imeis, cal.identity.imeis);
    EXPECT_EQ(write_xqcn(back), text);
}

TEST(Xqcn, LayoutDetails) {
    std::string text = write_xqcn(test::sample_calibration());
    EXPECT_TRUE(text.starts_with("<?xml version=\"1.0\" encoding=\"Windows-1252\" ?>\n\n<Storage"));
    EXPECT_EQ(text.find('\r'), std::string::npos);
    EXPECT_NE(text.find("<Stream Length='0' Name='NV_ITEM_ARRAY_SIM_2' Value=''/>"),
              std::string::npos);
    EXPECT_TRUE(text.ends_with("Value='02 00 00 00 00 00 '/>\n</Storage>"));  // QPST ends with '>'
    // Provisioning_Item_Files and NV_Items come before EFS_Backup, as QPST writes them.
    EXPECT_LT(text.find("Name='Provisioning_Item_Files'"), text.find("Name='NV_Items'"));
    EXPECT_LT(text.find("Name='NV_Items'"), text.find("Name='EFS_Backup'"));
    EXPECT_NE(text.find("<Storage Name='00024655'>"), std::string::npos);
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    return text;
}

TEST(Xqcn, RejectsWrongLength) {
    std::string bad = replace_once(golden(), "Length='16'", "Length='17'");
    EXPECT_THROW(read_xqcn(bad), DecodeError);
}

TEST(Xqcn, RejectsOddHex) {
    std::string bad = replace_once(golden(), "Value='00 01 02", "Value='0 01 02");
    EXPECT_THROW(read_xqcn(bad), DecodeError);
    bad = replace_once(golden(), "Value='00 01 02", "Value='0G 01 02");
    EXPECT_THROW(read_xqcn(bad), DecodeError);
}

TEST(Xqcn, RejectsUnknownStorage) {
    std::string bad = replace_once(golden(), "<Storage Name='NV_Items'>", "<Storage Name='Bogus'>");
    EXPECT_THROW(read_xqcn(bad), DecodeError);
    bad = replace_once(golden(), "Name='Feature_Mask'", "Name='Feature_Mas'");
    EXPECT_THROW(read_xqcn(bad), DecodeError);
}

TEST(Xqcn, RejectsTruncatedRecords) {
    // Drop the last byte of the 272-byte NV array and fix Length: still not a whole record.
    std::string text = golden();
    auto start = text.find("Name='NV_ITEM_ARRAY' Value='");
    auto end = text.find("'/>", start);
    text.erase(end - 3, 3);
    text = replace_once(text, "Length='272'", "Length='271'");
    EXPECT_THROW(read_xqcn(text), DecodeError);
}

TEST(Xqcn, RejectsBadRecordLengthField) {
    std::string bad =
        replace_once(golden(), "Value='88 00 01 00 26 02", "Value='87 00 01 00 26 02");
    EXPECT_THROW(read_xqcn(bad), DecodeError);
}

TEST(Xqcn, RejectsTruncatedXmlAndMissingData) {
    std::string text = golden();
    EXPECT_THROW(read_xqcn(text.substr(0, text.size() / 2)), DecodeError);
    EXPECT_THROW(read_xqcn(""), DecodeError);
    std::string bad = replace_once(text, "<Stream Length='3' Name='00000000'",
                                   "<Stream Length='3' Name='00000001'");
    EXPECT_THROW(read_xqcn(bad), DecodeError);
}

TEST(Xqcn, ProvisioningPathMustEndInNul) {
    Calibration cal = test::sample_calibration();
    std::string text = write_xqcn(cal);
    // The provisioning dir entry ends in "67 00 " (g\0); strip the NUL and fix the length.
    auto pos = text.find("<Storage Name='Provisioning_Item_Files'>");
    auto vpos = text.find("Name='00000000' Value='", pos);
    auto lpos = text.rfind("Length='", vpos);
    auto endv = text.find("'/>", vpos);
    ASSERT_EQ(text.substr(endv - 3, 3), "00 ");
    text.erase(endv - 3, 3);
    std::string len = text.substr(lpos + 8, text.find('\'', lpos + 8) - lpos - 8);
    text.replace(lpos + 8, len.size(), std::to_string(std::stoi(len) - 1));
    EXPECT_THROW(read_xqcn(text), DecodeError);
}

}  // namespace
}  // namespace cr::nv
