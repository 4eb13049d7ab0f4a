// DiagClient::request_pipelined: replies in request order, never more than the window in
// flight, and after a failure nothing more is sent and the line is left quiet.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <thread>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "protocols/diag/nv_client.hpp"
#include "src/util/hex.hpp"
#include "tests/unit/diag/scripted_transport.hpp"

namespace cr::diag {
namespace {

// A target that answers each request frame in arrival order, after an unsolicited log frame,
// and counts how many requests were unanswered at most (written but whose reply was not yet
// read). `answer(i, request)` gives the reply payload to request i, or nullopt for silence.
class InOrderTarget : public Transport {
  public:
    std::function<std::optional<Bytes>(std::size_t, const Bytes&)> answer;
    std::size_t writes = 0;
    std::size_t max_in_flight = 0;

    void write(ByteView data, Millis) override {
        for (auto& ev : deframer_.feed(data)) {
            ASSERT_EQ(ev.kind, HdlcEvent::Kind::frame);
            std::optional<Bytes> reply = answer(writes++, ev.payload);
            if (!reply) continue;
            Bytes wire = hdlc_encode(from_hex("10 00 04 00"));  // a log frame first
            Bytes framed = hdlc_encode(*reply);
            wire.insert(wire.end(), framed.begin(), framed.end());
            pending_.push_back(std::move(wire));
        }
        max_in_flight = std::max(max_in_flight, writes - replies_read_);
    }
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        if (pending_.empty()) {
            std::this_thread::sleep_for(std::min(timeout, Millis(5)));
            return 0;
        }
        std::size_t queued = pending_.size();
        std::size_t n = cr::testing::take_queued(pending_, buf);
        if (pending_.size() < queued) ++replies_read_;
        return n;
    }
    std::size_t max_transfer_size() const override { return 1 << 16; }
    void close() override {}
    std::string description() const override { return "in-order target"; }

  private:
    HdlcDeframer deframer_;
    std::deque<Bytes> pending_;
    std::size_t replies_read_ = 0;
};

std::vector<Bytes> numbered_requests(std::size_t n) {
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(Bytes{0x4b, 0x13, 0x27, 0x00, static_cast<std::uint8_t>(i)});
    return out;
}

std::optional<Bytes> echo(std::size_t, const Bytes& request) {
    return request;
}

DiagOptions window(std::size_t n) {
    DiagOptions o;
    o.timeout = Millis(200);
    o.pipeline = n;
    return o;
}

}  // namespace

TEST(DiagPipeline, RepliesComeInRequestOrderWithAtMostTheWindowInFlight) {
    for (std::size_t w : {1u, 3u, 16u}) {
        InOrderTarget t;
        t.answer = echo;
        DiagClient c(t, window(w));
        std::vector<std::size_t> order;
        auto requests = numbered_requests(10);
        c.request_pipelined(requests, "GET", [&](std::size_t i, Bytes& reply) {
            EXPECT_EQ(reply, requests[i]);
            order.push_back(i);
        });
        EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
        EXPECT_EQ(t.max_in_flight, std::min<std::size_t>(w, 10)) << "window " << w;
        EXPECT_EQ(c.stats().round_trips, 10u);
        EXPECT_EQ(c.stats().unsolicited, 10u);
    }
}

TEST(DiagPipeline, AnErrorReplyStopsSendingAndCollectsWhatIsDue) {
    InOrderTarget t;
    t.answer = [](std::size_t i, const Bytes& request) -> std::optional<Bytes> {
        if (i == 1) return Bytes{0x13, request[0], request[1], request[2], request[3]};
        return request;
    };
    DiagClient c(t, window(4));
    std::vector<std::size_t> seen;
    auto requests = numbered_requests(10);
    EXPECT_THROW(
        c.request_pipelined(requests, "GET", [&](std::size_t i, Bytes&) { seen.push_back(i); }),
        DiagCommandError);
    EXPECT_EQ(seen, std::vector<std::size_t>{0});  // nothing is handed on after the failure
    EXPECT_EQ(t.writes, 5u);                       // 0-3, then 4 after 0's reply; no more
    // The replies to 2, 3 and 4 were collected: the next GET gets its own reply, not theirs.
    EXPECT_EQ(c.request(from_hex("4b 13 27 00 ff"), "GET"), from_hex("4b 13 27 00 ff"));
}

TEST(DiagPipeline, AThrowingConsumerAlsoLeavesTheLineQuiet) {
    InOrderTarget t;
    t.answer = echo;
    DiagClient c(t, window(3));
    auto requests = numbered_requests(6);
    EXPECT_THROW(c.request_pipelined(requests, "GET",
                                     [&](std::size_t i, Bytes&) {
                                         if (i == 0) throw DecodeError("bad data");
                                     }),
                 DecodeError);
    EXPECT_EQ(t.writes, 3u);
    EXPECT_EQ(c.request(from_hex("4b 13 27 00 ff"), "GET"), from_hex("4b 13 27 00 ff"));
}

TEST(DiagPipeline, SilenceWithRequestsInFlightTimesOutAndNamesTheWayOut) {
    InOrderTarget t;
    t.answer = [](std::size_t i, const Bytes& request) -> std::optional<Bytes> {
        if (i >= 2) return std::nullopt;
        return request;
    };
    DiagClient c(t, window(4));
    auto requests = numbered_requests(8);
    try {
        c.request_pipelined(requests, "GET", [](std::size_t, Bytes&) {});
        FAIL() << "no timeout";
    } catch (const TimeoutError& e) {
        EXPECT_NE(std::string(e.what()).find("in flight"), std::string::npos) << e.what();
        EXPECT_NE(e.next_step().find("--pipeline 1"), std::string::npos);
    }
}

// A GET reply carrying another request's sequence number (left on the line by an aborted
// command) is skipped, not taken for this file's contents.
TEST(DiagPipeline, AGetReplyForAnotherRequestIsSkipped) {
    cr::testing::ScriptedTransport t;
    auto get_reply = [](std::uint16_t seq, std::uint8_t data) {
        return hdlc_encode(
            ByteWriter().u8(0x4b).u8(0x13).u16(efs::kGet).i32(1).i32(0).u16(seq).u8(data).take());
    };
    Bytes stale_then_ours = get_reply(99, 7);
    Bytes ours = get_reply(1, 8);
    stale_then_ours.insert(stale_then_ours.end(), ours.begin(), ours.end());
    t.replies.push_back(hdlc_encode(ByteWriter().u8(0x4b).u8(0x13).u16(0).zeros(40).take()));
    t.replies.push_back(stale_then_ours);
    DiagClient c(t, window(4));
    Efs2Client efs(c);
    std::vector<EfsFileToRead> files{{"/nv/item_files/x", 1}};
    auto got = efs.read_files(files);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].data, Bytes{8});
    EXPECT_EQ(c.stats().stale, 1u);
}

// NvClient::read_many: NV reads in flight, a refusal is that item's result (not a failure).
TEST(DiagPipeline, NvReadManyKeepsReadsInFlightAndReportsRefusalsPerItem) {
    InOrderTarget t;
    t.answer = [](std::size_t i, const Bytes& request) -> std::optional<Bytes> {
        if (i == 2) {  // "bad parameter" echo: this item cannot be read
            Bytes refusal{0x14};
            refusal.insert(refusal.end(), request.begin(), request.end());
            return refusal;
        }
        Bytes reply = request;  // same layout: command, item (or subsys header), data, status
        std::size_t data_at = request[0] == 0x4b ? 8 : 3;
        reply[data_at] = static_cast<std::uint8_t>(0xA0 + i);
        return reply;
    };
    DiagClient c(t, window(4));
    NvClient nv(c);
    std::vector<NvReadRequest> reads{{550, 0, std::nullopt},
                                     {10, 0, std::nullopt},
                                     {74, 0, std::nullopt},
                                     {550, 1, std::nullopt},
                                     {6828, 0, std::uint8_t{3}}};
    auto results = nv.read_many(reads);
    ASSERT_EQ(results.size(), 5u);
    EXPECT_EQ(t.max_in_flight, 4u);
    EXPECT_TRUE(results[0].ok());
    EXPECT_EQ(results[0].data[0], 0xA0);
    EXPECT_FALSE(results[2].ok());
    EXPECT_EQ(results[2].diag_error, 0x14);
    EXPECT_EQ(results[2].item, 74);
    EXPECT_TRUE(results[3].ok());  // sub 1 went out in the EXT form and decoded as such
    EXPECT_EQ(results[3].sub, 1);
    EXPECT_EQ(results[3].data[0], 0xA3);
    EXPECT_EQ(results[4].data[0], 0xA4);  // the index byte was overwritten by the "value"
    EXPECT_EQ(c.stats().round_trips, 5u);
}

}  // namespace cr::diag
