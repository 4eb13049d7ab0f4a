// NAND raw restores: programming an erased (all-0xFF) page writes ECC for it and the EFS2 on
// top no longer mounts (PROTOCOLS.md §3). The restore erases the blocks and skips such pages.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/diag/efs_store.hpp"
#include "src/workflows/backup/partition_backup.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "tests/integration/flash/flash_fixture.hpp"

using namespace cr;
using namespace cr::workflows;
using crtest::FlashFixture;

namespace {

std::size_t blank_pages(const Bytes& data, std::size_t page) {
    std::size_t n = 0;
    for (std::size_t off = 0; off + page <= data.size(); off += page)
        n += std::all_of(data.begin() + off, data.begin() + off + page,
                         [](std::uint8_t b) { return b == 0xFF; });
    return n;
}

}  // namespace

TEST_F(FlashFixture, NandRawRestoreSkipsErasedPagesSoTheEfsStillMounts) {
    auto m = module("ec25");
    auto dev = device("ec25");
    make_package("ec25", false, pkg_dir);  // for its programmer
    ASSERT_TRUE(sim::efs_health(*m).calibrated());
    Bytes efs = raw_partition(*m, "efs2");
    ASSERT_GT(blank_pages(efs, 4096), 100u);  // the EFS image fills only part of efs2
    std::filesystem::path bundle;
    {
        auto s = session(*dev);
        auto region = partition_region(*s, "efs2");
        archive::BackupStore st(store);
        bundle = backup_partitions(
                     st, edl_identity(*s), std::vector<package::Region>{region},
                     [&](const package::Region& r, const ByteSink& sink) {
                         s->firehose().read(to_firehose_region(r), [&](ByteView d) { sink(d); });
                     },
                     "test")
                     .file;
        // What other tools do: erase, then program the whole dump, blank pages included.
        s->firehose().erase(to_firehose_region(region));
        std::size_t pos = 0;
        s->firehose().program(to_firehose_region(region), efs.size(),
                              [&](std::span<std::uint8_t> out) {
                                  std::size_t n = std::min(out.size(), efs.size() - pos);
                                  std::copy_n(efs.begin() + pos, n, out.begin());
                                  pos += n;
                                  return n;
                              });
    }
    EXPECT_TRUE(raw_partition(*m, "efs2") == efs);   // the bytes read back identical...
    EXPECT_FALSE(sim::efs_health(*m).calibrated());  // ...but the EFS no longer mounts
    sim::apply_state(*m, "edl", {});

    PartitionRestoreRequest r;
    r.bundle = bundle;
    r.edl.programmer = pkg_dir / "update" / "firehose" / "prog_nand_firehose_9x07.mbn";
    r.edl.programmer_dir = root / "programmers";
    auto restored = restore_partition_bundle(*dev, r);
    ASSERT_EQ(restored.size(), 1u);
    EXPECT_TRUE(restored[0].verified);
    EXPECT_TRUE(raw_partition(*m, "efs2") == efs);
    EXPECT_TRUE(sim::efs_health(*m).calibrated());  // erased pages stayed erased: it mounts
}
