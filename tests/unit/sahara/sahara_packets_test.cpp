#include <gtest/gtest.h>

#include "protocols/sahara/sahara_packets.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

#include <fmt/format.h>

namespace cr::sahara {
namespace {

// Vectors written from PROTOCOLS.md §2: u32 cmd, u32 length, then the fields, little endian.
TEST(SaharaCodec, HelloVectorV2) {
    Bytes want = from_hex(
        "01000000"
        "30000000"
        "02000000"
        "01000000"
        "00040000"
        "00000000"
        "000000000000000000000000000000000000000000000000");
    EXPECT_EQ(encode(Hello{2, 1, 0x400, Mode::image_tx_pending}), want);
    auto h = decode_as<Hello>(want);
    EXPECT_EQ(h.version, 2u);
    EXPECT_EQ(h.max_cmd_len, 0x400u);
}

TEST(SaharaCodec, HelloV3MemoryDebugDecodes) {
    Bytes v3 = from_hex(
        "01000000"
        "30000000"
        "03000000"
        "01000000"
        "00100000"
        "02000000"
        "000000000000000000000000000000000000000000000000");
    auto h = decode_as<Hello>(v3);
    EXPECT_EQ(h.version, 3u);
    EXPECT_EQ(h.mode, Mode::memory_debug);
}

TEST(SaharaCodec, HelloRespHasZeroedReservedFields) {
    Bytes b = encode(HelloResp{2, 1, 0, Mode::command});
    ASSERT_EQ(b.size(), 0x30u);
    EXPECT_EQ(to_hex(ByteView(b).first(24)), "020000003000000002000000010000000000000003000000");
    for (std::size_t i = 24; i < 0x30; ++i) EXPECT_EQ(b[i], 0) << i;
}

TEST(SaharaCodec, ReadDataVectors) {
    EXPECT_EQ(to_hex(encode(ReadData{13, 0x1000, 0x34, false})),
              "03000000140000000d0000000010000034000000");
    auto r = decode_as<ReadData>(from_hex("03000000140000000d0000000010000034000000"));
    EXPECT_EQ(r.offset, 0x1000u);
    EXPECT_FALSE(r.wide);
    Bytes r64 = encode(ReadData{13, 0x100000000ULL, 0x40, true});
    EXPECT_EQ(to_hex(r64),
              "1200000020000000"
              "0d00000000000000"
              "0000000001000000"
              "4000000000000000");
    EXPECT_EQ(decode_as<ReadData>(r64).offset, 0x100000000ULL);
    EXPECT_THROW(encode(ReadData{13, 0x100000000ULL, 1, false}), DecodeError);
}

TEST(SaharaCodec, SmallPacketVectors) {
    EXPECT_EQ(to_hex(encode(EndImageTx{13, 0x0d})), "04000000100000000d0000000d000000");
    EXPECT_EQ(to_hex(encode(Done{})), "0500000008000000");
    EXPECT_EQ(to_hex(encode(DoneResp{1})), "060000000c00000001000000");
    EXPECT_EQ(to_hex(encode(Reset{})), "0700000008000000");
    EXPECT_EQ(to_hex(encode(ResetResp{})), "0800000008000000");
    EXPECT_EQ(to_hex(encode(CmdReady{})), "0b00000008000000");
    EXPECT_EQ(to_hex(encode(SwitchMode{Mode::image_tx_pending})), "0c0000000c00000000000000");
    EXPECT_EQ(to_hex(encode(Execute{0x0a})), "0d0000000c0000000a000000");
    EXPECT_EQ(to_hex(encode(ExecuteResp{2, 8})), "0e000000100000000200000008000000");
    EXPECT_EQ(to_hex(encode(ExecuteData{2})), "0f0000000c00000002000000");
    EXPECT_EQ(to_hex(encode(ResetStateMachine{})), "1300000008000000");
    EXPECT_EQ(to_hex(encode(MemoryDebug{0x146bf000, 0xd0, false})),
              "090000001000000000f06b14d0000000");
    EXPECT_EQ(encode(MemoryDebug{1, 2, true}).size(), 0x18u);
    EXPECT_EQ(to_hex(encode(MemoryRead{0x80000000, 0x80000, false})),
              "0a000000100000000000008000000800");
    EXPECT_EQ(encode(MemoryRead{1, 2, true}).size(), 0x18u);
}

TEST(SaharaCodec, EveryPacketRoundTrips) {
    std::vector<Packet> all = {Hello{3, 1, 0x1000, Mode::command},
                               HelloResp{2, 1, 0, Mode::memory_debug},
                               ReadData{13, 4, 5, false},
                               ReadData{13, 1ULL << 40, 6, true},
                               EndImageTx{7, 0x22},
                               Done{},
                               DoneResp{0},
                               Reset{},
                               ResetResp{},
                               MemoryDebug{10, 104, false},
                               MemoryDebug{1ULL << 36, 128, true},
                               MemoryRead{11, 12, false},
                               MemoryRead{1ULL << 33, 512 * 1024, true},
                               CmdReady{},
                               SwitchMode{Mode::command},
                               Execute{3},
                               ExecuteResp{3, 32},
                               ExecuteData{3},
                               ResetStateMachine{}};
    for (const auto& p : all) {
        Bytes b = encode(p);
        EXPECT_EQ(decode_header(b).length, b.size());
        Packet back = decode(b);
        EXPECT_EQ(back.index(), p.index());
        EXPECT_EQ(encode(back), b) << describe(p);
        EXPECT_FALSE(describe(p).empty());
    }
}

TEST(SaharaCodec, DecodeRejectsWithReasons) {
    auto msg = [](const Bytes& b) {
        try {
            decode(b);
        } catch (const DecodeError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(msg(from_hex("0100")).find("truncated"), std::string::npos);
    EXPECT_NE(msg(from_hex("2a00000008000000")).find("unknown Sahara command 0x2a"),
              std::string::npos);
    EXPECT_NE(msg(from_hex("0300000010000000"
                           "0000000000000000"))
                  .find("expected 0x14"),
              std::string::npos);
    EXPECT_NE(msg(from_hex("0500000008000000ff")).find("header says"), std::string::npos);
    EXPECT_NE(msg(from_hex("0500000004000000")).find("claims length"), std::string::npos);
    EXPECT_NE(msg(from_hex("05000000ffffff7f")).find("claims length"), std::string::npos);
    EXPECT_THROW(decode_as<Hello>(encode(Done{})), DecodeError);
}

TEST(SaharaCodec, EveryNakStatusHasWords) {
    EXPECT_EQ(status_text(0), "0x00 success");
    for (std::uint32_t s = 1; s <= 0x28; ++s) {
        auto t = status_text(s);
        EXPECT_EQ(t.rfind(fmt::format("{:#04x} ", s), 0), 0u) << t;
        EXPECT_GT(t.size(), 10u) << t;
        EXPECT_NE(t.rfind("unknown status", 0), 0u) << t;
        EXPECT_FALSE(status_advice(s).empty());
    }
    EXPECT_NE(status_text(0x0D).find("secure boot"), std::string::npos);
    EXPECT_NE(status_text(0x0D).find("use a programmer signed for this module"), std::string::npos);
    EXPECT_NE(status_advice(0x0D).find("signed for this module"), std::string::npos);
    EXPECT_EQ(status_text(0x99), "unknown status 0x99");
}

TEST(SaharaCodec, CommandNames) {
    EXPECT_EQ(command_name(0x12), "READ_DATA_64");
    EXPECT_EQ(command_name(0x13), "RESET_STATE_MACHINE");
    EXPECT_EQ(command_name(0x77), "unknown command 0x77");
}

TEST(SaharaMemoryTable, Entries32And64Bit) {
    std::vector<MemoryRegion> regions = {
        {1, 0x146a0000, 0x20000, "OCIMEM", "OCIMEM.BIN"},
        {0, 0x80000000, 0x100, "a-very-long-description-x", "name"}};
    Bytes t32 = encode_memory_table(regions, false);
    ASSERT_EQ(t32.size(), 2 * kRegionEntry32);
    EXPECT_EQ(to_hex(ByteView(t32).first(12)), "0100000000006a1400000200");
    Bytes t64 = encode_memory_table(regions, true);
    ASSERT_EQ(t64.size(), 2 * kRegionEntry64);
    for (bool wide : {false, true}) {
        auto back = decode_memory_table(wide ? t64 : t32, wide);
        ASSERT_EQ(back.size(), 2u);
        EXPECT_EQ(back[0].base, 0x146a0000u);
        EXPECT_EQ(back[0].filename, "OCIMEM.BIN");
        EXPECT_EQ(back[1].description, "a-very-long-descrip");  // 19 chars + NUL
    }
    EXPECT_THROW(decode_memory_table(ByteView(t32).first(51), false), DecodeError);
    EXPECT_THROW(decode_memory_table(ByteView(t64).first(52), true), DecodeError);
    EXPECT_TRUE(decode_memory_table({}, true).empty());
}

TEST(SaharaPayloads, HwIdChipIdPkHashSerial) {
    HwId id{0x001990e1, 0x0001, 0x0002};
    Bytes hw = encode_msm_hw_id(id);
    EXPECT_EQ(to_hex(hw), "02000100e1901900");
    EXPECT_EQ(decode_msm_hw_id(hw).msm_id, 0x001990e1u);
    EXPECT_THROW(decode_msm_hw_id(ByteView(hw).first(7)), DecodeError);
    Bytes v3 = encode_chip_id_v3(id);
    EXPECT_EQ(to_hex(ByteView(v3).subspan(36, 8)), "e190190001000200");
    auto back = decode_chip_id_v3(v3);
    EXPECT_EQ(back.msm_id, 0x001990e1u);
    EXPECT_EQ(back.oem_id, 1u);
    EXPECT_EQ(back.model_id, 2u);
    EXPECT_THROW(decode_chip_id_v3(ByteView(v3).first(43)), DecodeError);
    Bytes pk(32, 0xab);
    EXPECT_EQ(decode_pk_hash(pk), to_hex(pk));
    Bytes pk48x2(96, 0x11);
    EXPECT_EQ(decode_pk_hash(pk48x2).size(), 96u);  // 48 bytes
    EXPECT_THROW(decode_pk_hash(Bytes(20)), DecodeError);
    EXPECT_EQ(decode_u32_payload(from_hex("78563412"), "serial"), 0x12345678u);
    EXPECT_THROW(decode_u32_payload(from_hex("7856"), "serial"), DecodeError);
}

}  // namespace
}  // namespace cr::sahara
