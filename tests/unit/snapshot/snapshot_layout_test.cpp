// The snapshot entry layout: what a restore relies on is validated, erased pages are found in
// streams cut anywhere, and the programmed runs are the region minus its erased runs.
#include <gtest/gtest.h>

#include "src/util/error.hpp"
#include "src/workflows/snapshot/snapshot_layout.hpp"

namespace cr::workflows::snapshot {
namespace {

EntryLayout nand_layout() {
    EntryLayout l;
    l.role = Role::partition;
    l.region = {"efs2", 0, 4096, 640, 128, 64};
    l.erased = {{0, 2}, {10, 5}, {127, 1}};
    return l;
}

TEST(SnapshotLayout, RoundTripsThroughJson) {
    EntryLayout l = nand_layout();
    EntryLayout back = layout_from_json(to_json(l), "efs2", 128 * 4096);
    EXPECT_EQ(back.role, Role::partition);
    EXPECT_EQ(back.region.label, "efs2");
    EXPECT_EQ(back.region.start_sector, 640u);
    EXPECT_EQ(back.region.num_sectors, 128u);
    EXPECT_EQ(back.region.pages_per_block, 64u);
    EXPECT_EQ(back.erased, l.erased);
    EntryLayout s{Role::settings, {}, {}};
    EXPECT_FALSE(layout_from_json(to_json(s), "settings.json", 17).on_device());
}

TEST(SnapshotLayout, ProgrammedRunsAreTheRegionMinusErased) {
    auto runs = programmed_runs(nand_layout());
    std::vector<SectorRun> want{{2, 8}, {15, 112}};
    EXPECT_EQ(runs, want);
    EntryLayout all = nand_layout();
    all.erased = {{0, 128}};
    EXPECT_TRUE(programmed_runs(all).empty());
    all.erased.clear();
    EXPECT_EQ(programmed_runs(all), (std::vector<SectorRun>{{0, 128}}));
}

TEST(SnapshotLayout, RefusesWhatARestoreCannotTrust) {
    auto j = to_json(nand_layout());
    const std::uint64_t size = 128 * 4096;
    EXPECT_THROW(layout_from_json(j, "efs2", size - 4096), DecodeError);  // truncated entry
    auto bad = j;
    bad["role"] = "firmware";
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    bad = j;
    bad["sector_size"] = 0;
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    bad = j;
    bad["num_sectors"] = -1;
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    bad = j;
    bad.erase("start_sector");
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    bad = j;
    bad["erased"] = {{10, 5}, {0, 2}};  // out of order
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    bad["erased"] = {{0, 3}, {2, 2}};  // overlapping
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    bad["erased"] = {{120, 9}};  // past the region
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    bad["erased"] = {{5, 0}};
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    bad["erased"] = {{5}};
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    bad["erased"] = {{UINT64_MAX, 2}};
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    // A sector count whose byte size overflows does not wrap into "fits".
    bad = j;
    bad["num_sectors"] = (UINT64_MAX / 4096) + 2;
    EXPECT_THROW(layout_from_json(bad, "efs2", size), DecodeError);
    EXPECT_THROW(layout_from_json(nlohmann::json::array(), "efs2", size), DecodeError);
}

TEST(SnapshotLayout, ErasedTrackerFindsAllFfSectorsInAnyCut) {
    const std::uint32_t ss = 16;
    Bytes data(ss * 8, 0xFF);
    data[ss * 2 + 3] = 0;  // sector 2 written
    data[ss * 5] = 0xFE;   // sector 5 written
    for (std::size_t cut : {1u, 7u, 16u, 33u, 128u}) {
        ErasedTracker t(ss);
        for (std::size_t at = 0; at < data.size(); at += cut)
            t.update(ByteView(data).subspan(at, std::min(cut, data.size() - at)));
        std::vector<SectorRun> want{{0, 2}, {3, 2}, {6, 2}};
        EXPECT_EQ(t.finish(), want) << "cut " << cut;
    }
    ErasedTracker partial(ss);
    partial.update(ByteView(data).subspan(0, ss + 3));
    EXPECT_THROW(partial.finish(), DecodeError);
}

}  // namespace
}  // namespace cr::workflows::snapshot
