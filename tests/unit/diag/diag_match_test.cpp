// reply_answers: which frame answers which request (resync after stale replies).
#include "protocols/diag/diag_match.hpp"

#include <gtest/gtest.h>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "protocols/diag/nv_client.hpp"
#include "src/util/hex.hpp"
#include "tests/unit/diag/scripted_transport.hpp"

namespace cr::diag {
namespace {

Bytes nv_reply(std::uint16_t item, bool ext = false, std::uint16_t sub = 0) {
    Bytes r = encode_nv_request(false, ext, item, sub, {});
    return r;  // targets answer with the request's layout (status 0 = DONE)
}

TEST(ReplyAnswers, NvRepliesMustNameTheRequestedItemAndContext) {
    Bytes req = encode_nv_request(false, false, 453, 0, {});
    EXPECT_TRUE(reply_answers(req, nv_reply(453)));
    EXPECT_FALSE(reply_answers(req, nv_reply(550)));  // "reply names item 550"
    Bytes ext = encode_nv_request(false, true, 550, 1, {});
    EXPECT_TRUE(reply_answers(ext, nv_reply(550, true, 1)));
    EXPECT_FALSE(reply_answers(ext, nv_reply(550, true, 0)));  // the other SIM's answer
    EXPECT_FALSE(reply_answers(ext, nv_reply(453, true, 1)));
    EXPECT_FALSE(reply_answers(req, ext));
}

TEST(ReplyAnswers, ErrorRepliesAnswerTheRequestTheyEcho) {
    Bytes req85 = encode_nv_request(false, false, 85, 0, {});
    Bytes refused85{kBadSpcMode};
    refused85.insert(refused85.end(), req85.begin(), req85.begin() + 16);
    EXPECT_TRUE(reply_answers(req85, refused85));
    Bytes req86 = encode_nv_request(false, false, 86, 0, {});
    EXPECT_FALSE(reply_answers(req86, refused85));
    EXPECT_FALSE(reply_answers(req85, Bytes{kBadCmd}));  // nothing echoed: not ours
}

TEST(ReplyAnswers, EfsRepliesMustCarryTheRequestsSequenceFdAndOffset) {
    auto get_req = [](std::uint16_t seq) {
        return ByteWriter()
            .u8(0x4b)
            .u8(0x13)
            .u16(efs::kGet)
            .u32(4096)
            .u32(3)
            .u16(seq)
            .cstring("/a")
            .take();
    };
    auto get_rep = [](std::uint16_t seq) {
        return ByteWriter().u8(0x4b).u8(0x13).u16(efs::kGet).i32(0).i32(0).u16(seq).take();
    };
    EXPECT_TRUE(reply_answers(get_req(5), get_rep(5)));
    EXPECT_FALSE(reply_answers(get_req(5), get_rep(4)));
    Bytes alt = get_rep(5);
    alt[1] = 0x3E;
    EXPECT_FALSE(reply_answers(get_req(5), alt));  // other subsystem

    auto read_req = [](std::int32_t fd, std::uint32_t off) {
        return ByteWriter().u8(0x4b).u8(0x13).u16(efs::kRead).i32(fd).u32(1024).u32(off).take();
    };
    auto read_rep = [](std::int32_t fd, std::uint32_t off, std::int32_t err) {
        return ByteWriter()
            .u8(0x4b)
            .u8(0x13)
            .u16(efs::kRead)
            .i32(fd)
            .u32(off)
            .i32(0)
            .i32(err)
            .take();
    };
    EXPECT_TRUE(reply_answers(read_req(3, 1024), read_rep(3, 1024, 0)));
    EXPECT_FALSE(reply_answers(read_req(3, 1024), read_rep(3, 2048, 0)));
    EXPECT_FALSE(reply_answers(read_req(3, 1024), read_rep(4, 1024, 0)));
    // Real firmware fills the offset of an EBADF reply with the fd: still this request's.
    EXPECT_TRUE(reply_answers(read_req(3, 1024), read_rep(3, 3, efs::kEbadf)));

    Bytes put_req = ByteWriter()
                        .u8(0x4b)
                        .u8(0x13)
                        .u16(efs::kPut)
                        .u32(1)
                        .u32(0)
                        .u16(9)
                        .u8(1)
                        .cstring("/a")
                        .take();
    EXPECT_TRUE(
        reply_answers(put_req, ByteWriter().u8(0x4b).u8(0x13).u16(efs::kPut).u16(9).i32(0).take()));
    EXPECT_FALSE(
        reply_answers(put_req, ByteWriter().u8(0x4b).u8(0x13).u16(efs::kPut).u16(8).i32(0).take()));
}

TEST(ReplyAnswers, EventReportAnswerIsNotAnEvent) {
    EXPECT_TRUE(reply_answers(from_hex("60 01"), from_hex("60 00 00")));
    EXPECT_FALSE(reply_answers(from_hex("60 01"), from_hex("60 06 00 f2 01 00 00 00 00")));
    EXPECT_TRUE(is_unsolicited_frame(from_hex("60 06 00 f2 01 00 00 00 00")));
    EXPECT_FALSE(is_unsolicited_frame(from_hex("60 00 00")));
    EXPECT_TRUE(is_unsolicited_frame(from_hex("10 00 04 00")));
}

TEST(ReplyAnswers, TruncatedRepliesAreLeftToTheirDecoder) {
    Bytes req = encode_nv_request(false, false, 453, 0, {});
    EXPECT_TRUE(reply_answers(req, Bytes{kNvRead}));  // NvClient then reports the truncation
    EXPECT_FALSE(reply_answers(req, Bytes{}));
    EXPECT_FALSE(reply_answers(Bytes{}, req));
}

// A reply an aborted command left on the port (NV 550) precedes the answer to NV 453.
TEST(NvClient, AStaleReplyForAnotherItemIsSkipped) {
    cr::testing::ScriptedTransport t;
    Bytes stale = hdlc_encode(nv_reply(550));
    Bytes ours = hdlc_encode(nv_reply(453));
    stale.insert(stale.end(), ours.begin(), ours.end());
    t.replies.push_back(stale);
    DiagClient c(t, DiagOptions{Millis(200)});
    NvClient nv(c);
    NvResult r = nv.read(453);
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.item, 453);
    EXPECT_EQ(c.stats().stale, 1u);
}

}  // namespace
}  // namespace cr::diag
