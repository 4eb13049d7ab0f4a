// One module, one state: DIAG sessions open at the same time (sim serve's pty and a -d sim:
// command, in this process or another: a second VirtualModule object on the same directory
// stands for another process) see each other's writes at once, without an explicit sync, and
// see raw efs2 writes over Firehose too.
#include <gtest/gtest.h>

#include "sim/core/provisioning.hpp"
#include "sim/diag/efs_journal.hpp"
#include "sim/diag/efs_store.hpp"
#include "tests/integration/diag/diag_fixture.hpp"

namespace cr::testing {
namespace {

using namespace cr::diag;

class SharedState : public ::testing::TestWithParam<DiagLinkKind> {
  protected:
    void SetUp() override {
        served = sim::VirtualModule::open(sims.path(), "rm520n");
        other_process = sim::VirtualModule::open(sims.path(), "rm520n");
    }
    TempSimDir sims;
    std::shared_ptr<sim::VirtualModule> served, other_process;
};

TEST_P(SharedState, TwoSessionsAtOnceSeeEachOthersWritesWithoutASync) {
    DiagSession a(*served, GetParam());  // e.g. a third-party client on `sim serve`'s pty
    DiagSession b(*other_process);       // e.g. `cellrescue diag ... -d sim:rm520n`
    Efs2Client efs_a(a.diag()), efs_b(b.diag());
    NvClient nv_a(a.diag()), nv_b(b.diag());

    efs_a.put("/shared/item", Bytes{1, 2, 3});
    EXPECT_EQ(efs_b.get("/shared/item"), (Bytes{1, 2, 3}));
    ASSERT_TRUE(nv_b.write(6000, Bytes{0x42}).ok());
    auto seen = nv_a.read(6000);
    ASSERT_TRUE(seen.ok());
    EXPECT_EQ(seen.data[0], 0x42);
    Bytes big(5000, 0x5A);
    efs_b.write_file("/shared/big.bin", big);
    EXPECT_EQ(efs_a.read_file("/shared/big.bin"), big);
    efs_a.unlink("/shared/item");
    EXPECT_FALSE(efs_b.try_stat("/shared/item"));
    // What both see is what the partition holds, for anyone who looks next.
    EXPECT_EQ(sim::load_efs(*served).find("/shared/big.bin")->data, big);
}

TEST_P(SharedState, AJournalPastItsCompactionPointStaysShared) {
    DiagSession a(*served, GetParam());
    DiagSession b(*other_process);
    Efs2Client efs_a(a.diag()), efs_b(b.diag());
    std::vector<std::pair<std::string, Bytes>> written;
    for (int i = 0; i < 400; ++i) {  // 1.6 MB: more than one journal's worth
        Bytes data(4000, static_cast<std::uint8_t>(i));
        std::string path = "/bulk/f" + std::to_string(i);
        efs_a.put(path, data);
        written.emplace_back(path, data);
        if (i % 200 == 199) efs_a.sync();  // the unsynced allowance, not for sharing
    }
    for (const auto& [path, data] : written) EXPECT_EQ(efs_b.get(path), data) << path;
    EXPECT_LT(sim::SharedEfs(*served).stored_bytes(), sim::efs_capacity(*served));
}

TEST_P(SharedState, ARawEfs2WriteOverFirehoseReachesAnOpenSession) {
    const auto* efs2 = sim::find_partition(served->model(), "efs2");
    ASSERT_TRUE(efs2);
    Bytes raw(efs2->num_sectors * served->model().sector_size);
    served->storage().read(efs2->start_sector, raw);
    DiagSession a(*served, GetParam());
    NvClient nv(a.diag());
    ASSERT_TRUE(nv.read(550).ok());
    sim::apply_state(*other_process, "cfun5", {});  // efs2 erased (QFirehose -e)
    EXPECT_TRUE(nv.read(550).not_active());
    other_process->storage().write(efs2->start_sector, raw);  // a raw efs2 backup written back
    EXPECT_TRUE(nv.read(550).ok());
}

INSTANTIATE_TEST_SUITE_P(Links, SharedState,
                         ::testing::Values(DiagLinkKind::socketpair, DiagLinkKind::pty_by_id),
                         link_name);

}  // namespace
}  // namespace cr::testing
