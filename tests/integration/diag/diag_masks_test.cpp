// MaskCommands with hostile and truncated requests: error replies, never wrapped lengths.
#include "sim/diag/diag_masks.hpp"

#include <gtest/gtest.h>

#include "protocols/diag/diag_client.hpp"

namespace cr::sim {
namespace {

using namespace cr::diag;

Bytes log_set(std::uint32_t equip, std::uint32_t bits, std::size_t mask_bytes) {
    ByteWriter w;
    w.u8(kLogConfig).zeros(3).u32(3).u32(equip).u32(bits).zeros(mask_bytes);
    return w.take();
}

TEST(MaskCommands, HostileLengthsGetErrorRepliesNotMasks) {
    MaskCommands m{DiagMasks{}};
    EXPECT_EQ(m.handle(log_set(11, 0xFFFFFFF9u, 0))->at(0), kBadLen);  // (bits+7)/8 wraps in u32
    EXPECT_EQ(m.handle(log_set(11, 16, 1))->at(0), kBadLen);           // mask shorter than bits
    EXPECT_EQ(m.handle(log_set(11, 16, 3))->at(0), kBadLen);           // longer
    EXPECT_EQ(m.handle(Bytes{kLogConfig, 0, 0})->at(0), kBadLen);
    EXPECT_EQ(m.handle(ByteWriter().u8(kLogConfig).zeros(3).u32(9).take())->at(0), kBadParm);
    Bytes unknown_equip = *m.handle(log_set(99, 8, 1));
    EXPECT_EQ(load_le32(unknown_equip.data() + 8), 1u);  // status: invalid equipment id
    EXPECT_EQ(m.handle(Bytes{kExtMsgConfig})->at(0), kBadLen);
    EXPECT_EQ(m.handle(ByteWriter().u8(kExtMsgConfig).u8(4).u16(5).u16(1).u16(0).take())->at(0),
              kBadParm);  // last < first
    EXPECT_EQ(m.handle(ByteWriter().u8(kEventMaskSet).u8(0).u16(0).u16(0xFFFF).take())->at(0),
              kBadLen);
    EXPECT_FALSE(m.masks().any());
    EXPECT_FALSE(m.handle(Bytes{kVerno}));  // not a mask command
}

TEST(MaskCommands, ASetMaskIsCappedToTheEquipmentsItems) {
    MaskCommands m{DiagMasks{}};
    Bytes reply = *m.handle(log_set(11, 0x1000, 0x200));
    EXPECT_EQ(load_le32(reply.data() + 8), 0u);
    EXPECT_LT(load_le32(reply.data() + 16), 0x1000u);  // num_items capped
    EXPECT_EQ(reply.size(), 20u + (load_le32(reply.data() + 16) + 7) / 8);
    EXPECT_FALSE(m.masks().logs);  // all-zero mask: nothing on
}

}  // namespace
}  // namespace cr::sim
