// The journal's record codec and replay, with hostile records (damaged, foreign, truncated).
#include "sim/diag/efs_journal.hpp"

#include <gtest/gtest.h>

#include "tests/integration/diag/diag_fixture.hpp"

namespace cr::sim {
namespace {

EfsChange set_change(std::string path, Bytes data) {
    EfsChange c;
    c.path = std::move(path);
    c.node = {EfsNode::Type::item, 0644, 1700000000, std::move(data)};
    return c;
}

TEST(EfsJournal, ChangesRoundTrip) {
    EfsChange w{EfsChange::Op::write, "/a/b", {EfsNode::Type::file, 0, 5, Bytes{9, 9}}, 1024};
    EfsChange r{EfsChange::Op::remove, "/a/c", {}, 0};
    for (const EfsChange& c : {set_change("/nv/item_files/x", Bytes{1, 2}), w, r}) {
        auto back = decode_efs_change(encode_efs_change(c));
        ASSERT_TRUE(back) << c.path;
        EXPECT_EQ(back->op, c.op);
        EXPECT_EQ(back->path, c.path);
        if (c.op != EfsChange::Op::remove) {
            EXPECT_EQ(back->node.data, c.node.data);
        }
        EXPECT_EQ(back->offset, c.offset);
    }
}

TEST(EfsJournal, HostileBodiesAreRefused) {
    Bytes good = encode_efs_change(set_change("/x", Bytes{1}));
    for (std::size_t n = 0; n < good.size(); ++n)  // every truncation
        EXPECT_FALSE(decode_efs_change(ByteView(good).first(n))) << n;
    Bytes trailing = good;
    trailing.push_back(0);
    EXPECT_FALSE(decode_efs_change(trailing));
    Bytes bad_op = good;
    bad_op[0] = 7;
    EXPECT_FALSE(decode_efs_change(bad_op));
    for (const char* path : {"x", "/a/../b", "/a//b", ""})
        EXPECT_FALSE(decode_efs_change(encode_efs_change(set_change(path, Bytes{1})))) << path;
    Bytes huge_len = good;  // data length far past the body
    huge_len[huge_len.size() - 5] = 0xFF;
    huge_len[huge_len.size() - 2] = 0xFF;
    EXPECT_FALSE(decode_efs_change(huge_len));
}

TEST(EfsJournal, ReplayIgnoresWritesToMissingNodesAndAbsurdOffsets) {
    EfsTree t = EfsTree::skeleton();
    apply_efs_change(t, {EfsChange::Op::write, "/nope", {EfsNode::Type::file, 0, 1, Bytes{1}}, 0});
    EXPECT_FALSE(t.exists("/nope"));
    apply_efs_change(t, set_change("/f", Bytes{1}));
    apply_efs_change(t, {EfsChange::Op::write, "/f", {EfsNode::Type::file, 0, 1, Bytes{2}}, 3});
    EXPECT_EQ(t.find("/f")->data, (Bytes{1, 0, 0, 2}));
    apply_efs_change(
        t, {EfsChange::Op::write, "/f", {EfsNode::Type::file, 0, 1, Bytes{2}}, 0xFFFFFFF0u});
    EXPECT_EQ(t.find("/f")->data.size(), 4u);
}

TEST(EfsJournal, DamageInTheJournalEndsTheReplayThere) {
    cr::testing::TempSimDir sims;
    auto module = VirtualModule::open(sims.path(), "ec25");
    {
        SharedEfs efs(*module);
        auto a = efs.access();
        ASSERT_EQ(a.put_file("/j/one", Bytes{1}, EfsNode::Type::item, true, 1),
                  SharedEfs::Result::ok);
        ASSERT_EQ(a.put_file("/j/two", Bytes{2}, EfsNode::Type::item, true, 1),
                  SharedEfs::Result::ok);
    }
    EfsTree before = load_efs(*module);
    ASSERT_TRUE(before.exists("/j/two"));
    // Flip a byte of the last record's body: everything before it still replays.
    std::uint64_t end = SharedEfs(*module).stored_bytes();
    Bytes last = read_efs_bytes(*module, end - 3, 1);
    last[0] ^= 0xFF;
    write_efs_bytes(*module, end - 3, last);
    EfsTree after = load_efs(*module);
    EXPECT_TRUE(after.exists("/j/one"));
    EXPECT_FALSE(after.exists("/j/two"));
}

}  // namespace
}  // namespace cr::sim
