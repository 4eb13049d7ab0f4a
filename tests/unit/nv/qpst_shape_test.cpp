// A cellrescue backup converted to .xqcn/.qcn comes out as QPST writes them: compared byte for
// byte with a fixture written by hand from PROTOCOLS.md §6 (golden/cellrescue_backup_as_qpst).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "nv/calibration_codec.hpp"
#include "nv/efs_layout.hpp"
#include "nv/imei.hpp"
#include "nv/qcn.hpp"
#include "nv/xqcn.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/backup/backup_bundle.hpp"
#include "tests/unit/nv/test_support.hpp"

namespace cr::nv {
namespace {

namespace fs = std::filesystem;

std::string fixture() {
    std::ifstream in(
        std::string(CR_SOURCE_DIR) + "/tests/unit/nv/golden/cellrescue_backup_as_qpst.xqcn",
        std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

NvItem item(std::uint16_t id, Bytes data) {
    NvItem it;
    it.id = id;
    std::copy(data.begin(), data.end(), it.data.begin());
    return it;
}

EfsFile file(std::string path, Bytes data, std::uint32_t mtime = 0) {
    return EfsFile{std::move(path), std::move(data), mtime, {1, 0, 1, 1}};
}

Bytes text(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

// What `cellrescue backup` reads from a small module, grouped as a bundle of an earlier
// version stored it (rfnv and modem item files under NV_Items), with the EFS copies of the
// numbered items next to their NV records and NV 85 only as a file (NV_READ refused it).
Calibration cellrescue_backup() {
    Calibration cal;
    cal.mobile_model_id = 24655;
    cal.nv[0] = {item(0, {0x78, 0x56, 0x34, 0x12}), item(10, {0x00, 0x3A}), item(453, {0x00}),
                 item(550, encode_imei_nv("490154203237518"))};
    cal.nv[1] = {item(550, encode_imei_nv("351000000000005"))};
    const std::uint32_t t = 0x62C6A680;
    cal.files(EfsGroup::efs_backup) = {
        file("/nvm/num/0", {0x78, 0x56, 0x34, 0x12}, t),
        file("/nvm/num/10", {0x00, 0x3A}, t),
        file("/nvm/num/453", {0x00}, t),
        file("/nvm/num/550", encode_imei_nv("490154203237518"), t),
        file("/nvm/num/85", text("000000"), t),
        file("/nvm/context1/550", encode_imei_nv("351000000000005"), t),
        file("/policyman/device_config.xml", text("<policy/>"), t + 1),
        file("/sd/rat_acq_order", {0x01, 0x02}, t),
        file("/nv/reg_files/modem/nv_files.conf", text("lte\n"), t),
    };
    cal.files(EfsGroup::provisioning) = {
        file("/nv/item_files/ims/qp_ims_sms_config", {0x09, 0x08, 0x07})};
    cal.files(EfsGroup::nv_items) = {
        file("/nv/item_files/rfnv/00020000", {1, 2, 3, 4}, t),
        file("/nv/item_files/modem/mmode/lte_bandpref", Bytes(8, 0xFF))};
    cal.property = {0x12345678, 0x604F, 0, 0, "RM520NGLAAR01A07M4G", "cellrescue"};
    cal.feature_mask = {0xFF, 0xFF, 0x3F, 0x0B, 0x00, 0x81, 0x00, 0x00};
    derive_identity(cal);
    return cal;
}

class QpstShape : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("cr-qpst-shape-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    // `cellrescue convert backup.crb OUT`: the bundle read back, then exported.
    fs::path convert(const std::string& out_name) {
        fs::path bundle = dir_ / "backup.crb";
        workflows::write_calibration_bundle(bundle, cellrescue_backup(), "sim:rm520n");
        fs::path out = dir_ / out_name;
        workflows::export_calibration(workflows::load_calibration(bundle), out,
                                      workflows::format_from_path(out));
        return out;
    }
    fs::path dir_;
};

TEST_F(QpstShape, ABackupConvertsToTheXqcnQpstWouldWriteByteForByte) {
    fs::path out = convert("00000000_0.xqcn");
    std::string want = fixture();
    want.replace(want.find("@OUTPUT@"), 8, fs::absolute(out).lexically_normal().string());
    Bytes got = read_file(out);
    EXPECT_EQ(std::string(as_chars(got)), want);
    EXPECT_EQ(got.back(), '>');  // no line end after the root
}

TEST_F(QpstShape, TheQcnHoldsTheSameTreeAsTheFixture) {
    Calibration from_qcn = read_qcn_file(convert("00000000_0.qcn"));
    Calibration want = read_xqcn(fixture());
    EXPECT_EQ(from_qcn.nv, want.nv);
    for (EfsGroup g : kEfsGroups) EXPECT_EQ(from_qcn.files(g), want.files(g)) << storage_name(g);
    EXPECT_EQ(from_qcn.property, want.property);
    EXPECT_EQ(from_qcn.feature_mask, want.feature_mask);
    EXPECT_EQ(from_qcn.mobile_model_id, want.mobile_model_id);
    EXPECT_EQ(from_qcn.file_version, want.file_version);
}

TEST_F(QpstShape, NothingIsLostButTheEfsCopiesOfNvRecords) {
    Calibration in = cellrescue_backup();
    Calibration shaped = qpst_shaped(in);
    EXPECT_EQ(shaped.nv, in.nv);
    EXPECT_EQ(efs_file_count(shaped), efs_file_count(in) - 5);  // 0, 10, 453, 550, ctx1/550
    EXPECT_TRUE(qpst_shaped(shaped) == shaped);                 // idempotent
    EXPECT_TRUE(shaped.files(EfsGroup::nv_items).empty());
}

TEST_F(QpstShape, AQpstFileKeepsItsOwnLayout) {
    // A QPST export listing EFS_Backup first converts without being reshaped.
    Calibration qpst = read_xqcn(fixture());
    qpst.property.tool_name = "QPST";
    qpst.group_order = {EfsGroup::efs_backup, EfsGroup::provisioning, EfsGroup::nv_items};
    std::string text = write_xqcn(qpst);
    Calibration back = read_xqcn(text);
    EXPECT_EQ(back.group_order, qpst.group_order);
    EXPECT_EQ(write_xqcn(back), text);
    EXPECT_FALSE(made_by_cellrescue(back));
}

TEST(QpstGrouping, PathsGoWhereQpstPutsThem) {
    EXPECT_EQ(classify_efs_path("/nv/item_files/rfnv/00020000"), EfsGroup::efs_backup);
    for (const char* p : {"/nv/item_files/modem/mmode/lte_bandpref", "/nv/item_files/wcdma/rrc/x",
                          "/nv/item_files/gsm/l1/y", "/nv/item_files/mcs/z", "/nv/item_files/gps/w",
                          "/nv/item_files/ims/qp", "/nv/reg_files/a", "/sd/b"})
        EXPECT_EQ(classify_efs_path(p), EfsGroup::provisioning) << p;
    for (const char* p : {"/nvm/num/85", "/rfc/rfc_band_01.bin", "/policyman/a.xml", "/data/sd/x"})
        EXPECT_EQ(classify_efs_path(p), EfsGroup::efs_backup) << p;
}

}  // namespace
}  // namespace cr::nv
