#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>

#include "protocols/xmodem/xmodem.hpp"
#include "protocols/xmodem/xmodem_codec.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/util/error.hpp"

using namespace cr;
using namespace cr::xmodem;
using namespace std::chrono_literals;

namespace {

Timing fast() {
    Timing t;
    t.handshake = 3000ms;
    t.block = 500ms;
    t.byte = 100ms;
    return t;
}

Bytes pattern(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + i / 256);
    return b;
}

ReceiveOptions fast_rx(bool crc) {
    ReceiveOptions o;
    o.crc = crc;
    o.crc_interval = 300ms;
    o.nak_interval = 300ms;
    o.timing = fast();
    return o;
}

struct Pair {
    std::unique_ptr<StreamTransport> a, b;
    Pair() { std::tie(a, b) = make_socket_pair("test"); }
};

ReceiveResult roundtrip(const Bytes& data, bool crc, bool one_k, SendStats* stats = nullptr) {
    Pair p;
    auto rx = std::async(std::launch::async, [&] { return receive(*p.b, fast_rx(crc)); });
    SendOptions so;
    so.one_k = one_k;
    so.timing = fast();
    SendStats s = send(*p.a, data, so);
    if (stats) *stats = s;
    return rx.get();
}

}  // namespace

TEST(XmodemCodec, CrcAndChecksumVectors) {
    EXPECT_EQ(crc16(as_bytes("123456789")), 0x31C3);
    EXPECT_EQ(checksum(as_bytes("123456789")), static_cast<std::uint8_t>(0x1DD));
}

TEST(XmodemCodec, BlockLayoutPaddingAndCheck) {
    Bytes b = encode_block(0xFF, as_bytes("abc"), 128, true);
    ASSERT_EQ(b.size(), 133u);
    EXPECT_EQ(b[0], SOH);
    EXPECT_EQ(b[1], 0xFF);
    EXPECT_EQ(b[2], 0x00);
    EXPECT_EQ(b[6], SUB);
    EXPECT_EQ(b[130], SUB);
    EXPECT_EQ(check_block(b, true), BlockCheck::ok);
    b[10] ^= 1;
    EXPECT_EQ(check_block(b, true), BlockCheck::bad_check);
    Bytes k = encode_block(1, pattern(1024), 1024, true);
    EXPECT_EQ(k[0], STX);
    EXPECT_EQ(k.size(), 1029u);
    Bytes s = encode_block(2, as_bytes("x"), 128, false);
    EXPECT_EQ(s.size(), 132u);
    EXPECT_EQ(check_block(s, false), BlockCheck::ok);
    s[2] = 0;
    EXPECT_EQ(check_block(s, false), BlockCheck::bad_complement);
    EXPECT_THROW(encode_block(1, pattern(10), 1024, false), UsageError);
    EXPECT_THROW(encode_block(1, pattern(200), 128, true), UsageError);
}

TEST(Xmodem, AllModesRoundTripWithWrap) {
    Bytes data = pattern(300 * 128 + 77);  // > 255 blocks: numbering wraps FF -> 00
    for (auto [crc, one_k] : {std::pair{false, false}, {true, false}, {true, true}}) {
        SendStats st;
        auto r = roundtrip(data, crc, one_k, &st);
        EXPECT_EQ(r.crc, crc);
        EXPECT_EQ(st.block_size, one_k ? 1024u : 128u);
        ASSERT_GE(r.data.size(), data.size());
        EXPECT_TRUE(std::equal(data.begin(), data.end(), r.data.begin()));
        for (std::size_t i = data.size(); i < r.data.size(); ++i) EXPECT_EQ(r.data[i], SUB);
        EXPECT_EQ(r.data.size() % 128, 0u);
    }
}

TEST(Xmodem, AStreamingReceiverKeepsNoCopy) {
    Bytes data = pattern(6 * 1024 - 100);  // the last block is a padded 1K one
    Pair p;
    Bytes streamed;
    auto rx = std::async(std::launch::async, [&] {
        ReceiveOptions o = fast_rx(true);
        o.keep_data = false;
        o.on_block = [&](ByteView b) { streamed.insert(streamed.end(), b.begin(), b.end()); };
        return receive(*p.b, o);
    });
    SendOptions so;
    so.one_k = true;
    so.timing = fast();
    send(*p.a, data, so);
    ReceiveResult r = rx.get();
    EXPECT_TRUE(r.data.empty());
    EXPECT_EQ(r.bytes, 6u * 1024);
    ASSERT_EQ(streamed.size(), 6u * 1024);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), streamed.begin()));
}

TEST(Xmodem, OneKFallsBackTo128InChecksumMode) {
    SendStats st;
    auto r = roundtrip(pattern(3000), false, true, &st);
    EXPECT_EQ(st.block_size, 128u);
    EXPECT_FALSE(r.crc);
}

TEST(Xmodem, ZeroAndOddLength) {
    auto r0 = roundtrip({}, true, true);
    EXPECT_TRUE(r0.data.empty());
    auto r1 = roundtrip(pattern(1), true, true);
    ASSERT_EQ(r1.data.size(), 128u);
    EXPECT_EQ(strip_padding(r1.data), pattern(1));
}

// A hand-driven receiver to test the sender's reactions.
TEST(XmodemSender, NakThenAckResendsAndEotResent) {
    Pair p;
    auto tx = std::async(std::launch::async, [&] {
        SendOptions so;
        so.timing = fast();
        return send(*p.a, pattern(100), so);
    });
    std::uint8_t c = 'C';
    p.b->write(ByteView(&c, 1), 1000ms);
    Bytes blk = read_exact(*p.b, 133, 2000ms, "block");
    std::uint8_t nak = NAK, ack = ACK;
    p.b->write(ByteView(&nak, 1), 1000ms);
    Bytes again = read_exact(*p.b, 133, 2000ms, "block again");
    EXPECT_EQ(blk, again);
    p.b->write(ByteView(&ack, 1), 1000ms);
    EXPECT_EQ(read_exact(*p.b, 1, 2000ms, "eot")[0], EOT);
    p.b->write(ByteView(&nak, 1), 1000ms);  // some receivers NAK the first EOT
    EXPECT_EQ(read_exact(*p.b, 1, 2000ms, "eot2")[0], EOT);
    p.b->write(ByteView(&ack, 1), 1000ms);
    auto st = tx.get();
    EXPECT_EQ(st.retransmits, 2u);
}

TEST(XmodemSender, NakStormGivesUpBounded) {
    Pair p;
    std::jthread storm([&](std::stop_token s) {
        std::uint8_t nak = NAK;
        while (!s.stop_requested()) {
            try {
                p.b->write(ByteView(&nak, 1), 100ms);
            } catch (...) {
                return;
            }
            std::this_thread::sleep_for(2ms);
        }
    });
    SendOptions so;
    so.timing = fast();
    EXPECT_THROW(send(*p.a, pattern(1000), so), ProtocolError);
}

TEST(XmodemSender, DoubleCanAborts) {
    Pair p;
    std::uint8_t seq[] = {'C', CAN, CAN};
    p.b->write(ByteView(seq, 1), 1000ms);
    auto tx = std::async(std::launch::async, [&] {
        SendOptions so;
        so.timing = fast();
        send(*p.a, pattern(1000), so);
    });
    read_exact(*p.b, 133, 2000ms, "block");
    p.b->write(ByteView(seq + 1, 2), 1000ms);
    EXPECT_THROW(tx.get(), ProtocolError);
}

TEST(XmodemSender, NoHandshakeTimesOut) {
    Pair p;
    SendOptions so;
    so.timing = fast();
    so.timing.handshake = 300ms;
    EXPECT_THROW(send(*p.a, pattern(10), so), TimeoutError);
}

// A hand-driven sender to test the receiver.
TEST(XmodemReceiver, DuplicateAckedAndDiscardedWrongBlockCancels) {
    Pair p;
    auto rx = std::async(std::launch::async, [&] { return receive(*p.b, fast_rx(true)); });
    EXPECT_EQ(read_exact(*p.a, 1, 2000ms, "C")[0], 'C');
    Bytes b1 = encode_block(1, pattern(128), 128, true);
    p.a->write(b1, 1000ms);
    EXPECT_EQ(read_exact(*p.a, 1, 2000ms, "ack")[0], ACK);
    p.a->write(b1, 1000ms);  // duplicate
    EXPECT_EQ(read_exact(*p.a, 1, 2000ms, "ack dup")[0], ACK);
    p.a->write(encode_block(5, pattern(128), 128, true), 1000ms);  // wrong number
    EXPECT_THROW(rx.get(), ProtocolError);
    EXPECT_EQ(read_exact(*p.a, 1, 2000ms, "can")[0], CAN);
}

TEST(XmodemReceiver, CorruptBlockPurgedAndNaked) {
    Pair p;
    auto rx = std::async(std::launch::async, [&] { return receive(*p.b, fast_rx(true)); });
    read_exact(*p.a, 1, 2000ms, "C");
    Bytes b1 = encode_block(1, pattern(128), 128, true);
    Bytes bad = b1;
    bad[50] ^= 0xff;
    bad.insert(bad.end(), {0x55, 0x66, 0x77});  // trailing garbage to be purged
    p.a->write(bad, 1000ms);
    // Before the first good block the receiver repeats its CRC request (a sender treats a
    // repeated 'C' before the first ACK as NAK).
    EXPECT_EQ(read_exact(*p.a, 1, 3000ms, "nak")[0], 'C');
    p.a->write(b1, 1000ms);
    EXPECT_EQ(read_exact(*p.a, 1, 2000ms, "ack")[0], ACK);
    std::uint8_t eot = EOT;
    p.a->write(ByteView(&eot, 1), 1000ms);
    EXPECT_EQ(read_exact(*p.a, 1, 2000ms, "ack eot")[0], ACK);
    auto r = rx.get();
    EXPECT_EQ(r.data, pattern(128));
    EXPECT_EQ(r.naks, 1u);
}

TEST(XmodemReceiver, CanMidTransferAborts) {
    Pair p;
    auto rx = std::async(std::launch::async, [&] { return receive(*p.b, fast_rx(true)); });
    read_exact(*p.a, 1, 2000ms, "C");
    p.a->write(encode_block(1, pattern(128), 128, true), 1000ms);
    read_exact(*p.a, 1, 2000ms, "ack");
    std::uint8_t cc[] = {CAN, CAN};
    p.a->write(ByteView(cc, 2), 1000ms);
    EXPECT_THROW(rx.get(), ProtocolError);
}

TEST(XmodemReceiver, HandshakeFallsBackFromCToNakThenTimesOut) {
    Pair p;
    auto o = fast_rx(true);
    o.crc_requests = 2;
    o.nak_requests = 2;
    o.crc_interval = 100ms;
    o.nak_interval = 100ms;
    auto rx = std::async(std::launch::async, [&] { return receive(*p.b, o); });
    EXPECT_THROW(rx.get(), TimeoutError);
    Bytes got = read_exact(*p.a, 4, 1000ms, "handshake");
    EXPECT_EQ(got, (Bytes{'C', 'C', NAK, NAK}));
}

TEST(XmodemReceiver, GarbageStormBounded) {
    Pair p;
    std::jthread storm([&](std::stop_token s) {
        Bytes junk(64, 0x55);
        while (!s.stop_requested()) {
            try {
                p.a->write(junk, 100ms);
                Bytes sink(256);
                p.a->read(sink, 1ms);
            } catch (...) {
                return;
            }
        }
    });
    auto o = fast_rx(true);
    o.timing.block = 100ms;
    o.timing.byte = 20ms;
    o.crc_interval = 50ms;
    o.nak_interval = 50ms;
    EXPECT_THROW(receive(*p.b, o), Error);
}

namespace {

// A silent line on a simulated clock: every read waits its full timeout, in simulated time.
class SilentLine : public Transport {
  public:
    explicit SilentLine(ManualClock& clock) : clock_(clock) {}
    void write(ByteView data, Millis) override {
        sent.insert(sent.end(), data.begin(), data.end());
    }
    std::size_t read(std::span<std::uint8_t>, Millis timeout) override {
        clock_.advance(timeout);
        return 0;
    }
    std::size_t max_transfer_size() const override { return 4096; }
    void close() override {}
    std::string description() const override { return "silent"; }
    Bytes sent;

  private:
    ManualClock& clock_;
};

}  // namespace

// The handshake measures its waits on options.clock: the full default schedule (3 'C's 3 s
// apart, 10 NAKs 10 s apart) passes in simulated time, with every request on the line.
TEST(XmodemReceiver, HandshakeWaitsRunOnTheGivenClock) {
    ManualClock clock;
    SilentLine line(clock);
    ReceiveOptions o;
    o.clock = &clock;
    auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(receive(line, o), TimeoutError);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(clock.now().time_since_epoch(), Millis(3 * 3000 + 10 * 10000));
    ASSERT_GE(line.sent.size(), 13u);
    EXPECT_EQ(std::count(line.sent.begin(), line.sent.begin() + 13, 'C'), 3);
    EXPECT_EQ(std::count(line.sent.begin(), line.sent.begin() + 13, NAK), 10);
}
