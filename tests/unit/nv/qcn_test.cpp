#include "nv/qcn.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "nv/calibration_codec.hpp"
#include "nv/xqcn.hpp"
#include "src/util/error.hpp"
#include "tests/unit/nv/test_support.hpp"

namespace cr::nv {
namespace {

TEST(Qcn, RoundTripIsLossless) {
    Calibration cal = test::sample_calibration();
    Bytes file = write_qcn(cal);
    ASSERT_GT(file.size(), 512u);
    // OLE2 magic D0 CF 11 E0 A1 B1 1A E1.
    EXPECT_EQ(file[0], 0xD0);
    EXPECT_EQ(file[1], 0xCF);
    Calibration back = read_qcn(file);
    EXPECT_EQ(back.nv, cal.nv);
    EXPECT_EQ(back.efs, cal.efs);
    EXPECT_EQ(back.property, cal.property);
    EXPECT_EQ(back.feature_mask, cal.feature_mask);
    EXPECT_EQ(back.mobile_model_id, cal.mobile_model_id);
    EXPECT_EQ(back.identity.imeis,
              (std::vector<std::string>{"490154203237518", "351000000000005"}));
}

TEST(Qcn, XqcnQcnXqcnIsIdentical) {
    Calibration cal = test::sample_calibration();
    std::string xqcn = write_xqcn(cal);
    Calibration via_qcn = read_qcn(write_qcn(read_xqcn(xqcn)));
    EXPECT_EQ(write_xqcn(via_qcn), xqcn);
}

TEST(Qcn, ManyFilesKeepTheirOrder) {
    Calibration cal = test::sample_calibration();
    auto& files = cal.files(EfsGroup::efs_backup);
    for (int i = 0; i < 300; ++i)
        files.push_back(EfsFile{"/f/" + std::to_string(i),
                                Bytes(static_cast<std::size_t>(i), 7),
                                static_cast<std::uint32_t>(i),
                                {1, 0, 1, 1}});
    Calibration back = read_qcn(write_qcn(cal));
    EXPECT_EQ(back.efs, cal.efs);
}

TEST(Qcn, RejectsGarbageAndTruncation) {
    EXPECT_THROW(read_qcn(Bytes{}), DecodeError);
    EXPECT_THROW(read_qcn(Bytes(1024, 0x41)), DecodeError);
    Bytes file = write_qcn(test::sample_calibration());
    for (std::size_t cut : {std::size_t{8}, std::size_t{512}, file.size() / 2}) {
        Bytes part(file.begin(), file.begin() + static_cast<long>(cut));
        EXPECT_THROW(read_qcn(part), Error) << cut;
    }
}

TEST(Qcn, FileApi) {
    auto dir = std::filesystem::temp_directory_path() / ("cr_qcn_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    Calibration cal = test::sample_calibration();
    write_qcn_file(dir / "a.qcn", cal);
    EXPECT_EQ(read_qcn_file(dir / "a.qcn").nv, cal.nv);
    EXPECT_THROW(read_qcn_file(dir / "missing.qcn"), Error);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cr::nv
