// The virtual DIAG module as third-party clients meet it (PROTOCOLS.md §4): a quiet port until
// a mask is set, EFS2 HELLO with the target's own windows and version, directory mtimes, NV
// items at their real sizes, the ESN from NV 0. Over a socketpair and a by-id pty link.
#include <gtest/gtest.h>

#include <ctime>

#include "protocols/diag/hdlc.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/diag/efs_store.hpp"
#include "src/util/hex.hpp"
#include "tests/integration/diag/diag_fixture.hpp"

namespace cr::testing {
namespace {

using namespace cr::diag;

class DiagRealism : public ::testing::TestWithParam<DiagLinkKind> {
  protected:
    void SetUp() override { module = sim::VirtualModule::open(sims.path(), "rm520n"); }
    TempSimDir sims;
    std::shared_ptr<sim::VirtualModule> module;
};

std::uint32_t u32_at(const Bytes& b, std::size_t at) {
    return load_le32(b.data() + at);
}

// What QXDM-like clients do first: send, then read whatever comes with a short timeout. The
// first frame must be the answer, not a log the client never asked for.
TEST_P(DiagRealism, APortWithNoMaskSetAnswersWithNothingButTheReply) {
    DiagSession s(*module, GetParam());
    for (int i = 0; i < 12; ++i) {
        s.host().write(hdlc_encode(Bytes{kEsn}), Millis(1000));
        HdlcDeframer d;
        std::vector<HdlcEvent> got;
        Deadline deadline(Millis(2000));
        std::uint8_t buf[256];
        while (got.empty() && !deadline.expired())
            if (std::size_t n = s.host().read(buf, deadline.remaining()))
                got = d.feed(ByteView(buf, n));
        ASSERT_EQ(got.size(), 1u);
        ASSERT_EQ(got[0].kind, HdlcEvent::Kind::frame);
        EXPECT_EQ(got[0].payload[0], kEsn) << to_hex(got[0].payload);
    }
}

TEST_P(DiagRealism, LogEventAndMessageMasksTurnUnsolicitedFramesOnAndOff) {
    {
        DiagSession s(*module, GetParam());
        auto& c = s.diag();
        // LOG_CONFIG op 1: the ranges; op 3: set a mask on equipment 11 (LTE).
        Bytes ranges = c.request(ByteWriter().u8(kLogConfig).zeros(3).u32(1).take(), "ranges");
        ASSERT_EQ(ranges.size(), 8u + 4u + 16u * 4u);
        EXPECT_EQ(u32_at(ranges, 8), 0u);  // status: success
        std::uint32_t lte_last = u32_at(ranges, 12 + 11 * 4);
        ASSERT_GT(lte_last, 0u);
        Bytes mask((lte_last + 1 + 7) / 8, 0);
        mask[1] = 0x80;
        Bytes set = c.request(ByteWriter()
                                  .u8(kLogConfig)
                                  .zeros(3)
                                  .u32(3)
                                  .u32(11)
                                  .u32(lte_last + 1)
                                  .bytes(mask)
                                  .take(),
                              "set log mask");
        EXPECT_EQ(u32_at(set, 8), 0u);
        EXPECT_EQ(u32_at(set, 12), 11u);
        for (int i = 0; i < 10; ++i) c.version();
        EXPECT_GT(c.stats().unsolicited, 0u);
        Bytes off = c.request(ByteWriter().u8(kLogConfig).zeros(3).u32(0).take(), "logs off");
        EXPECT_EQ(off.size(), 12u);
        // Messages: SSID ranges, then every message on.
        Bytes ssids = c.request(Bytes{kExtMsgConfig, 0x01}, "ssid ranges");
        ASSERT_GE(ssids.size(), 8u);
        EXPECT_EQ(ssids[2], 1);  // status: success
        EXPECT_EQ(ssids.size(), 8u + 4u * u32_at(ssids, 4));
        Bytes all = c.request(ByteWriter().u8(kExtMsgConfig).u8(5).u8(0).u32(0x1F).take(), "msgs");
        EXPECT_EQ(all, from_hex("7d 05 01 00 1f 00 00 00"));
    }
    // The masks belong to the running module, not the connection: a new session still gets
    // messages, until a reset.
    {
        DiagSession s(*module, GetParam());
        for (int i = 0; i < 10; ++i) s.diag().version();
        EXPECT_GT(s.diag().stats().unsolicited, 0u);
        s.diag().control(ControlMode::reset);
    }
    DiagSession s(*module, GetParam());
    for (int i = 0; i < 10; ++i) s.diag().version();
    EXPECT_EQ(s.diag().stats().unsolicited, 0u);
    EXPECT_EQ(s.diag().request(Bytes{kEvent, 0x01}, "events on"), from_hex("60 00 00"));
    Bytes event_mask = s.diag().request(from_hex("81 00 00 00"), "get event mask");
    EXPECT_EQ(event_mask[1], 0);
    for (int i = 0; i < 10; ++i) s.diag().version();
    EXPECT_GT(s.diag().stats().unsolicited, 0u);
    EXPECT_THROW(s.diag().request(Bytes{kEvent}, "short"), DiagCommandError);  // BAD_LEN
}

TEST_P(DiagRealism, HelloAnswersWithTheTargetsOwnWindowsAndVersion) {
    DiagSession s(*module, GetParam());
    auto hello = [&](std::uint32_t window, std::uint32_t version) {
        ByteWriter w;
        w.u8(kSubsys).u8(0x13).u16(efs::kHello);
        for (int i = 0; i < 6; ++i) w.u32(window);
        w.u32(version).u32(version).u32(version).u32(0xFFFFFFFF);
        return s.diag().request(w.take(), "HELLO");
    };
    Bytes first = hello(0x20, 3);
    ASSERT_EQ(first.size(), 44u);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(u32_at(first, 4 + 4 * i), 0x100000u) << i;
    EXPECT_EQ(u32_at(first, 28), 1u);   // version
    EXPECT_EQ(u32_at(first, 32), 1u);   // min
    EXPECT_EQ(u32_at(first, 36), 1u);   // max
    EXPECT_EQ(u32_at(first, 40), 0u);   // feature bits
    Bytes second = hello(0x100000, 1);  // the first HELLO narrowed the windows
    EXPECT_EQ(u32_at(second, 4), 0x20u);
    EXPECT_EQ(u32_at(second, 28), 3u);
    EXPECT_THROW(s.diag().request(from_hex("4b 13 00 00 01 00"), "short HELLO"), DiagCommandError);
}

TEST_P(DiagRealism, DirectoriesCarryMtimes) {
    const auto now = static_cast<std::int32_t>(std::time(nullptr));
    {
        DiagSession s(*module, GetParam());
        Efs2Client efs(s.diag());
        for (const auto& e : efs.list("/")) {
            if (e.is_dir()) {
                EXPECT_GT(e.mtime, 0) << e.name;
            }
        }
        efs.mkdir("/test");
        EXPECT_NEAR(efs.stat("/test").mtime, now, 60);
        std::int32_t before = efs.stat("/nv/item_files/rfnv").mtime;
        EXPECT_LT(before, now - 86400);  // a factory directory keeps its factory time
        efs.put("/nv/item_files/rfnv/00099999", Bytes{1});
        EXPECT_NEAR(efs.stat("/nv/item_files/rfnv").mtime, now, 60);  // it gained an entry
    }
    sim::apply_state(*module, "cfun5", {});
    DiagSession s(*module, GetParam());
    Efs2Client efs(s.diag());
    for (const auto& e : efs.list("/")) {  // the skeleton a modem formats before the time is known
        if (e.is_dir()) {
            EXPECT_EQ(static_cast<std::uint32_t>(e.mtime), sim::kEfsBootTime) << e.name;
        }
    }
}

TEST_P(DiagRealism, NvItemsKeepTheirRealSizesSoARestoreReadsBackEqual) {
    DiagSession s(*module, GetParam());
    NvClient nv(s.diag());
    Efs2Client efs(s.diag());
    ASSERT_TRUE(nv.write(10, from_hex("00 3a")).ok());
    auto back = nv.read(10);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(Bytes(back.data.begin(), back.data.begin() + 3), from_hex("00 3a 00"));
    EXPECT_EQ(efs.get("/nvm/num/10"), from_hex("00 3a"));
    ByteView text = as_bytes(std::string_view("Quectel RM520N"));
    Bytes banner(text.begin(), text.end());
    ASSERT_TRUE(nv.write(71, banner).ok());
    auto b = nv.read(71);
    ASSERT_TRUE(b.ok()) << b.describe();
    EXPECT_EQ(Bytes(b.data.begin(), b.data.begin() + banner.size()), banner);
}

TEST_P(DiagRealism, TheEsnIsNv0WhenTheEfsHoldsOne) {
    DiagSession s(*module, GetParam());
    NvClient nv(s.diag());
    EXPECT_EQ(s.diag().esn(), module->state().serial);
    ASSERT_TRUE(nv.write(0, from_hex("78 56 34 12")).ok());
    EXPECT_EQ(s.diag().esn(), 0x12345678u);
}

INSTANTIATE_TEST_SUITE_P(Links, DiagRealism,
                         ::testing::Values(DiagLinkKind::socketpair, DiagLinkKind::pty_by_id),
                         link_name);

}  // namespace
}  // namespace cr::testing
