// The client against a scripted programmer: each command the client writes gets the replies the
// script returns, delivered in chunks the test chooses (split/merged documents).
#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "protocols/firehose/firehose_client.hpp"
#include "src/util/error.hpp"

namespace cr::firehose {
namespace {

std::string doc(const std::string& inner) {
    return R"(<?xml version="1.0" encoding="UTF-8" ?><data>)" + inner + "</data>";
}
std::string log(const std::string& v) {
    return doc(R"(<log value=")" + v + R"(" />)");
}
std::string response(bool ack, const std::string& extra = {}, bool raw = false) {
    return doc(std::string(R"(<response value=")") + (ack ? "ACK" : "NAK") + R"(" rawmode=")" +
               (raw ? "true" : "false") + "\" " + extra + " />");
}

class ScriptedTransport : public Transport {
  public:
    // Called with each XML command; returns what the programmer answers.
    std::function<std::string(const std::string&)> on_command;
    std::size_t chunk = 1 << 20;   // deliver replies in pieces of this size
    std::size_t raw_expected = 0;  // bytes of raw data to swallow before the next command
    std::string after_raw;         // reply once the raw data is complete
    Bytes raw;
    std::vector<std::string> commands;
    std::vector<std::size_t> raw_writes;
    bool gone_after_raw_bytes = false;
    std::size_t gone_at = 0;

    void queue(const std::string& s) { pending_ += s; }
    void write(ByteView data, Millis) override {
        if (raw_expected > 0) {
            raw_writes.push_back(data.size());
            raw.insert(raw.end(), data.begin(), data.end());
            if (gone_after_raw_bytes && raw.size() >= gone_at) throw DeviceGoneError("unplugged");
            raw_expected -= std::min(raw_expected, data.size());
            if (raw_expected == 0) queue(after_raw);
            return;
        }
        std::string cmd(as_chars(data));
        commands.push_back(cmd);
        if (on_command) queue(on_command(cmd));
    }
    std::size_t read(std::span<std::uint8_t> buf, Millis) override {
        if (pending_.empty()) return 0;
        std::size_t n = std::min({buf.size(), chunk, pending_.size()});
        std::copy_n(pending_.begin(), n, buf.begin());
        pending_.erase(0, n);
        return n;
    }
    std::size_t max_transfer_size() const override { return 1 << 20; }
    void close() override {}
    std::string description() const override { return "script"; }

  private:
    std::string pending_;
};

ClientOptions fast() {
    ClientOptions o;
    o.command_timeout = Millis(200);
    o.raw_timeout = Millis(200);
    o.quiet_period = Millis(1);
    o.banner_budget = Millis(300);
    return o;
}

bool has(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

TEST(FirehoseClient, ConfigureAckAdoptsSupportedPayload) {
    ScriptedTransport t;
    t.queue(log("INFO: Supported Functions (2):") + log("INFO: program") + log("INFO: read") +
            log("INFO: End of supported functions 2"));
    t.on_command = [](const std::string&) {
        return response(
            true,
            R"(MaxPayloadSizeToTargetInBytes="1048576" MaxPayloadSizeToTargetInBytesSupported="524288" TargetName="X")");
    };
    FirehoseClient c(t, fast());
    auto& cfg = c.configure(MemoryType::ufs);
    EXPECT_EQ(cfg.max_payload_to_target, 524288u);
    EXPECT_EQ(t.commands.size(), 1u);
    EXPECT_TRUE(has(t.commands[0], R"(MemoryName="ufs")"));
    EXPECT_TRUE(has(t.commands[0], R"(ZlpAwareHost="1")"));
    EXPECT_TRUE(c.supports("program"));
    EXPECT_FALSE(c.supports("peek"));
}

TEST(FirehoseClient, ConfigureNakAdoptsOfferAndConfiguresOnceMore) {
    ScriptedTransport t;
    t.on_command = [](const std::string& cmd) {
        if (has(cmd, R"(MaxPayloadSizeToTargetInBytes="1048576")"))
            return log("ERROR: too big") +
                   response(
                       false,
                       R"(MaxPayloadSizeToTargetInBytes="8192" MaxPayloadSizeToTargetInBytesSupported="16384")");
        return response(
            true,
            R"(MaxPayloadSizeToTargetInBytes="8192" MaxPayloadSizeToTargetInBytesSupported="16384")");
    };
    FirehoseClient c(t, fast());
    EXPECT_EQ(c.configure(MemoryType::nand).max_payload_to_target, 16384u);
    ASSERT_EQ(t.commands.size(), 2u);
    EXPECT_TRUE(has(t.commands[1], R"(MaxPayloadSizeToTargetInBytes="8192")"));
}

TEST(FirehoseClient, ConfigureNakWithoutOfferCarriesTheLog) {
    ScriptedTransport t;
    t.on_command = [](const std::string&) {
        return log("ERROR: no such storage") + response(false);
    };
    FirehoseClient c(t, fast());
    try {
        c.configure(MemoryType::emmc);
        FAIL();
    } catch (const ProtocolError& e) {
        EXPECT_TRUE(has(e.what(), "no such storage")) << e.what();
        EXPECT_FALSE(e.device_state().empty());
    }
}

TEST(FirehoseClient, ConfigureIsRetriedWhileTheBannerPrints) {
    ScriptedTransport t;
    int n = 0;
    t.on_command = [&](const std::string&) {
        return ++n == 1 ? std::string() : response(true, R"(MaxPayloadSizeToTargetInBytes="4096")");
    };
    ClientOptions o = fast();
    o.banner_budget = Millis(2500);
    FirehoseClient c(t, o);
    EXPECT_EQ(c.configure(MemoryType::ufs).max_payload_to_target, 4096u);
    EXPECT_EQ(n, 2);
}

TEST(FirehoseClient, ProgramChunksWholeSectorsAndZeroPadsTheLastOne) {
    ScriptedTransport t;
    t.on_command = [&](const std::string& cmd) {
        if (has(cmd, "<configure"))
            return response(true, R"(MaxPayloadSizeToTargetInBytesSupported="10000")");
        t.raw_expected = 5 * 4096;
        t.after_raw = log("INFO: done") + response(true);
        return response(true, {}, true);
    };
    FirehoseClient c(t, fast());
    c.configure(MemoryType::ufs);
    EXPECT_EQ(c.chunk_size(4096), 8192u);  // whole sectors below the 10000-byte payload
    Bytes data(4 * 4096 + 10, 0xAB);
    std::size_t pos = 0;
    c.program(Region::sectors(4096, 0, 100, 5, "x"), data.size(), [&](std::span<std::uint8_t> out) {
        std::size_t n =
            std::min<std::size_t>(out.size(), std::min<std::size_t>(3000, data.size() - pos));
        std::fill_n(out.begin(), n, 0xAB);
        pos += n;
        return n;
    });
    EXPECT_EQ(t.raw_writes, (std::vector<std::size_t>{8192, 8192, 4096}));
    ASSERT_EQ(t.raw.size(), 5u * 4096);
    EXPECT_EQ(t.raw[data.size() - 1], 0xAB);
    EXPECT_TRUE(
        std::all_of(t.raw.begin() + data.size(), t.raw.end(), [](auto b) { return b == 0; }));
    EXPECT_TRUE(has(t.commands.back(), R"(num_partition_sectors="5")"));
}

TEST(FirehoseClient, ProgramRefusesDataThatDoesNotFitTheSectors) {
    ScriptedTransport t;
    FirehoseClient c(t, fast());
    auto src = [](std::span<std::uint8_t>) -> std::size_t { return 0; };
    EXPECT_THROW(c.program(Region::sectors(4096, 0, 0, 2), 4096, src), UsageError);
    EXPECT_THROW(c.program(Region::sectors(4096, 0, 0, 2), 3 * 4096, src), UsageError);
}

TEST(FirehoseClient, ShortSourceIsAnIoErrorNamingTheBytes) {
    ScriptedTransport t;
    t.on_command = [&](const std::string&) {
        t.raw_expected = 2 * 4096;
        return response(true, {}, true);
    };
    FirehoseClient c(t, fast());
    std::size_t given = 0;
    try {
        c.program(Region::sectors(4096, 0, 0, 2), 8192, [&](std::span<std::uint8_t> out) {
            std::size_t n = given < 5000 ? std::min<std::size_t>(out.size(), 5000 - given) : 0;
            given += n;
            return n;
        });
        FAIL();
    } catch (const IoError& e) {
        EXPECT_TRUE(has(e.what(), "5000 of 8192")) << e.what();
    }
}

TEST(FirehoseClient, NakAfterRawDataCarriesTheLastLogs) {
    ScriptedTransport t;
    t.on_command = [&](const std::string&) {
        t.raw_expected = 4096;
        t.after_raw = log("ERROR: Write failed at sector 7") + response(false);
        return response(true, {}, true);
    };
    FirehoseClient c(t, fast());
    Bytes d(4096, 1);
    try {
        c.program(Region::sectors(4096, 0, 7, 1, "boot"), 4096, [&](std::span<std::uint8_t> out) {
            std::fill(out.begin(), out.end(), 1);
            return out.size();
        });
        FAIL();
    } catch (const ProtocolError& e) {
        EXPECT_TRUE(has(e.what(), "Write failed at sector 7")) << e.what();
        EXPECT_TRUE(has(e.what(), "program boot")) << e.what();
    }
}

TEST(FirehoseClient, DeviceVanishingMidTransferNamesTheProgress) {
    ScriptedTransport t;
    t.gone_after_raw_bytes = true;
    t.gone_at = 8192;
    t.on_command = [&](const std::string& cmd) {
        if (has(cmd, "<configure"))
            return response(true, R"(MaxPayloadSizeToTargetInBytesSupported="4096")");
        t.raw_expected = 4 * 4096;
        return response(true, {}, true);
    };
    FirehoseClient c(t, fast());
    c.configure(MemoryType::ufs);
    try {
        c.program(Region::sectors(4096, 0, 0, 4, "system"), 4 * 4096,
                  [&](std::span<std::uint8_t> out) { return out.size(); });
        FAIL();
    } catch (const DeviceGoneError& e) {
        EXPECT_TRUE(has(e.what(), "4096 of 16384")) << e.what();
        EXPECT_TRUE(has(e.device_state(), "incomplete")) << e.device_state();
    }
}

TEST(FirehoseClient, ReadTakesDataThatArrivedWithTheAckAndTrailingLogs) {
    ScriptedTransport t;
    t.chunk = 7;  // every document and the data cut into odd pieces
    t.on_command = [&](const std::string&) {
        return response(true, {}, true) + std::string(8192, 'D') + log("INFO: trailing 1") +
               response(true) + log("INFO: trailing 2");
    };
    FirehoseClient c(t, fast());
    std::string got;
    c.read(Region::sectors(4096, 0, 0, 2), [&](ByteView b) { got += as_chars(b); });
    EXPECT_EQ(got, std::string(8192, 'D'));
    // The trailing log is drained before the next command and does not look like its answer.
    t.on_command = [](const std::string&) { return log("INFO: digest AB") + response(false); };
    EXPECT_THROW(c.erase(Region::sectors(4096, 0, 0, 1)), ProtocolError);
}

TEST(FirehoseClient, SilentProgrammerIsATimeout) {
    ScriptedTransport t;
    FirehoseClient c(t, fast());
    EXPECT_THROW(c.erase(Region::sectors(4096, 0, 0, 1)), TimeoutError);
    EXPECT_FALSE(c.nop(Millis(50)));
}

TEST(FirehoseClient, StorageInfoDigestAndPeekComeFromLogs) {
    ScriptedTransport t;
    t.on_command = [](const std::string& cmd) {
        if (has(cmd, "getstorageinfo"))
            return log(R"(INFO: {&quot;storage_info&quot;: {&quot;total_blocks&quot;: 2048, &quot;block_size&quot;: 262144, &quot;page_size&quot;: 4096, &quot;mem_type&quot;: &quot;NAND&quot;}})") +
                   response(true);
        if (has(cmd, "getsha256digest"))
            return log("INFO: Digest " + std::string(64, 'A')) + response(true);
        return log("0x00001000: 01 02 03") + response(true);
    };
    FirehoseClient c(t, fast());
    auto info = c.storage_info(0);
    EXPECT_EQ(info.total_blocks, 2048u);
    EXPECT_EQ(info.mem_type, "NAND");
    EXPECT_EQ(c.sha256(Region::sectors(4096, 0, 0, 1)), std::string(64, 'a'));
    EXPECT_EQ(c.peek(0x1000, 3), (Bytes{1, 2, 3}));
}

TEST(FirehoseClient, UnknownAttributesInRepliesAreIgnored) {
    ScriptedTransport t;
    t.on_command = [](const std::string&) {
        return response(true, R"(Weird="1" MaxPayloadSizeToTargetInBytes="4096" Another="x")");
    };
    FirehoseClient c(t, fast());
    EXPECT_EQ(c.configure(MemoryType::ufs).max_payload_to_target, 4096u);
}

}  // namespace
}  // namespace cr::firehose
