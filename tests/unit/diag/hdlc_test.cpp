#include <gtest/gtest.h>

#include <random>

#include "protocols/diag/hdlc.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::diag {
namespace {

std::string enc(std::string_view hex) {
    return to_hex(hdlc_encode(from_hex(hex)), " ");
}

TEST(Crc16X25, CheckValueAndResidue) {
    EXPECT_EQ(crc16_x25(as_bytes("123456789")), 0x906E);
    Bytes msg = from_hex("29 02 00");
    std::uint16_t crc = crc16_x25(msg);
    msg.push_back(crc & 0xFF);
    msg.push_back(crc >> 8);
    EXPECT_EQ(crc16_x25_register(msg), kCrcGoodResidue);  // 0xF0B8 before the final XOR
    EXPECT_EQ(crc16_x25(msg), 0x0F47);                    // ... and after it
}

TEST(Hdlc, DocumentedVectors) {
    EXPECT_EQ(enc("00"), "00 78 f0 7e");
    EXPECT_EQ(enc("29 02 00"), "29 02 00 59 6a 7e");
    EXPECT_EQ(enc("4B 13 00 00"), "4b 13 00 00 8d 40 7e");
    EXPECT_EQ(enc("4B 65 01 00"), "4b 65 01 00 54 0f 7e");
}

TEST(Hdlc, EscapesFlagAndEscapeIncludingInsideTheCrc) {
    EXPECT_EQ(to_hex(hdlc_escape(from_hex("7E 7D 01")), " "), "7d 5e 7d 5d 01");
    EXPECT_EQ(to_hex(hdlc_unescape(from_hex("7d 5e 7d 5d 01")), " "), "7e 7d 01");
    EXPECT_THROW(hdlc_unescape(from_hex("01 7d")), DecodeError);
    // Find a payload whose CRC contains 7E or 7D and check it still round-trips.
    int escaped_crcs = 0;
    for (int i = 0; i < 4096; ++i) {
        Bytes p{static_cast<std::uint8_t>(i & 0xFF), static_cast<std::uint8_t>(i >> 8)};
        std::uint16_t crc = crc16_x25(p);
        if ((crc & 0xFF) == 0x7E || (crc & 0xFF) == 0x7D || (crc >> 8) == 0x7E ||
            (crc >> 8) == 0x7D)
            ++escaped_crcs;
        Bytes f = hdlc_encode(p);
        for (std::size_t k = 0; k + 1 < f.size(); ++k) ASSERT_NE(f[k], kHdlcFlag);
        ASSERT_EQ(hdlc_decode(f), p);
    }
    EXPECT_GT(escaped_crcs, 0);
}

TEST(Hdlc, DecodeRejectsBadCrcShortAndStrayFlag) {
    EXPECT_EQ(hdlc_decode(from_hex("7e 00 78 f0 7e")), Bytes{0x00});
    EXPECT_THROW(hdlc_decode(from_hex("00 78 f1 7e")), DecodeError);
    EXPECT_THROW(hdlc_decode(from_hex("78 7e")), DecodeError);
    EXPECT_THROW(hdlc_decode(from_hex("00 7e 78 f0 7e")), DecodeError);
    EXPECT_THROW(hdlc_decode(from_hex("00 78 f0 7d 7e")), DecodeError);
}

TEST(HdlcDeframer, SplitsStreamsAcrossChunksAndSkipsLeadingFlag) {
    HdlcDeframer d;
    Bytes stream = from_hex("7e");
    for (auto hex : {"00", "29 02 00", "7e 7d"}) {
        Bytes f = hdlc_encode(from_hex(hex));
        stream.insert(stream.end(), f.begin(), f.end());
    }
    std::vector<HdlcEvent> all;
    for (std::uint8_t b : stream)  // one byte at a time
        for (auto& e : d.feed(ByteView(&b, 1))) all.push_back(std::move(e));
    ASSERT_EQ(all.size(), 3u);
    for (auto& e : all) EXPECT_EQ(e.kind, HdlcEvent::Kind::frame);
    EXPECT_EQ(to_hex(all[2].payload), "7e7d");
    EXPECT_EQ(d.pending(), 0u);
}

TEST(HdlcDeframer, ReportsBadCrcStrayFlagEscapeAtEndAndOversize) {
    HdlcDeframer d(8);
    auto ev =
        d.feed(from_hex("00 78 f1 7e  00 7e  00 78 7d 7e  "
                        "7e 7e"));
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0].kind, HdlcEvent::Kind::bad_crc);
    EXPECT_EQ(ev[1].kind, HdlcEvent::Kind::short_frame);
    EXPECT_EQ(ev[2].kind, HdlcEvent::Kind::escape_at_end);
    ev = d.feed(Bytes(40, 0x11));
    EXPECT_TRUE(ev.empty());
    ev = d.feed(hdlc_encode(from_hex("01")));  // the flag ends the oversize frame first
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, HdlcEvent::Kind::oversize);
    ev = d.feed(hdlc_encode(from_hex("01")));
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, HdlcEvent::Kind::frame);
    EXPECT_FALSE(ev[0].describe().empty());
}

// The table CRC and the run-at-once deframer against the definitions: a bitwise CRC and random
// frames full of 7E/7D, cut into random chunks.
TEST(HdlcDeframer, RandomFramesInRandomChunksComeBackExactly) {
    auto bitwise_crc = [](ByteView data) {
        std::uint16_t crc = 0xFFFF;
        for (std::uint8_t b : data) {
            crc ^= b;
            for (int i = 0; i < 8; ++i) crc = (crc & 1) ? (crc >> 1) ^ 0x8408 : crc >> 1;
        }
        return static_cast<std::uint16_t>(crc ^ 0xFFFF);
    };
    std::mt19937 rng(25);
    std::vector<Bytes> frames;
    Bytes stream;
    for (int f = 0; f < 200; ++f) {
        Bytes p(1 + rng() % 1500);
        for (auto& b : p) b = rng() % 4 == 0 ? (rng() % 2 ? 0x7E : 0x7D) : rng() & 0xFF;
        ASSERT_EQ(crc16_x25(p), bitwise_crc(p));
        Bytes w = hdlc_encode(p);
        stream.insert(stream.end(), w.begin(), w.end());
        frames.push_back(std::move(p));
    }
    HdlcDeframer d;
    std::vector<Bytes> got;
    for (std::size_t i = 0; i < stream.size();) {
        std::size_t n = std::min<std::size_t>(1 + rng() % 700, stream.size() - i);
        for (auto& e : d.feed(ByteView(stream).subspan(i, n))) {
            ASSERT_EQ(e.kind, HdlcEvent::Kind::frame) << e.describe();
            got.push_back(std::move(e.payload));
        }
        i += n;
    }
    EXPECT_EQ(got, frames);
    EXPECT_EQ(d.pending(), 0u);
}

}  // namespace
}  // namespace cr::diag
