#include "nv/nv_catalog.hpp"

#include <gtest/gtest.h>

#include "nv/calibration.hpp"
#include "tests/unit/nv/test_support.hpp"

namespace cr::nv {
namespace {

TEST(NvCatalog, NamesImportantItems) {
    for (std::uint16_t id :
         {550, 453, 5153, 569, 571, 2497, 2498, 2499, 2500, 6828, 441, 946, 2954}) {
        EXPECT_TRUE(find_nv_info(id).has_value()) << id;
    }
    EXPECT_EQ(nv_display_name(550), "550 (NV_UE_IMEI_I)");
    EXPECT_EQ(nv_display_name(4321), "4321");
    EXPECT_TRUE(find_nv_info(550)->identity);
}

TEST(NvCatalog, FilePaths) {
    auto ref = parse_nv_file_path("/nvm/num/550");
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->id, 550);
    EXPECT_EQ(ref->subscription, 0u);
    EXPECT_FALSE(ref->indexed);
    ref = parse_nv_file_path("/nvm/context1/550");
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->subscription, 1u);
    ref = parse_nv_file_path("/nvm/num/1234_2");
    ASSERT_TRUE(ref);
    EXPECT_TRUE(ref->indexed);
    EXPECT_EQ(ref->index, 2);
    EXPECT_EQ(nv_file_path(*ref), "/nvm/num/1234_2");
    EXPECT_EQ(nv_file_path({550, 1, 0, false}), "/nvm/context1/550");
    for (const char* bad : {"/nvm/num/", "/nvm/num/abc", "/nvm/num/99999", "/nvm/context9/1",
                            "/nvm/context1", "/nv/item_files/x", "/nvm/num/12_", "/nvm/num/1_x"})
        EXPECT_FALSE(parse_nv_file_path(bad)) << bad;
}

TEST(Calibration, DiffFindsEveryDifference) {
    Calibration a = test::sample_calibration();
    Calibration b = a;
    EXPECT_TRUE(diff_calibration(a, b).empty());
    b.nv[0][1].data[5] = 1;
    b.files(EfsGroup::provisioning)[0].data.push_back(0);
    b.files(EfsGroup::nv_items).clear();
    b.nv[1].clear();
    auto diffs = diff_calibration(a, b);
    EXPECT_EQ(diffs.size(), 4u);
}

TEST(Calibration, ImeisAndCounts) {
    Calibration a = test::sample_calibration();
    EXPECT_EQ(imeis_of(a), (std::vector<std::string>{"490154203237518", "351000000000005"}));
    EXPECT_EQ(nv_item_count(a), 5u);
    EXPECT_EQ(efs_file_count(a), 4u);
    a.nv[0][0].data[2] = 0xFF;  // not BCD: decodes as nothing rather than throwing
    EXPECT_EQ(imeis_of(a)[0], "");
}

}  // namespace
}  // namespace cr::nv
