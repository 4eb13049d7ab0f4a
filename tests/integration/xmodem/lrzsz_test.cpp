// Interop with Debian's lrzsz: its rx receives what our sender sends, its sx feeds our receiver.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "peer_process.hpp"
#include "protocols/xmodem/xmodem.hpp"
#include "protocols/xmodem/xmodem_codec.hpp"
#include "src/util/error.hpp"

using namespace cr;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
    fs::path d = fs::temp_directory_path() / ("cr_lrzsz_" + name + "_" + std::to_string(getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

Bytes random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    if (!b.empty() && b.back() == xmodem::SUB) b.back() = 0x42;
    return b;
}

Bytes read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// XMODEM carries no length: the file is the data plus SUB padding to the block boundary.
void expect_padded_equal(const Bytes& got, const Bytes& sent) {
    ASSERT_GE(got.size(), sent.size());
    EXPECT_TRUE(std::equal(sent.begin(), sent.end(), got.begin()));
    for (std::size_t i = sent.size(); i < got.size(); ++i) ASSERT_EQ(got[i], xmodem::SUB);
    EXPECT_LT(got.size() - sent.size(), 1024u);
}

xmodem::SendStats send_to_rx(const Bytes& data, bool one_k, std::vector<std::string> extra,
                             unsigned seed) {
    fs::path dir = temp_dir("rx" + std::to_string(seed));
    std::vector<std::string> argv{"rx", "-c", "-q"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("out.bin");
    test::PeerProcess rx(argv, dir);
    xmodem::SendOptions o;
    o.one_k = one_k;
    o.timing.handshake = 30s;
    auto stats = xmodem::send(rx.transport(), data, o);
    EXPECT_TRUE(stats.crc);
    EXPECT_EQ(rx.wait(30s), 0);
    expect_padded_equal(read_file(dir / "out.bin"), data);
    fs::remove_all(dir);
    return stats;
}

}  // namespace

TEST(Lrzsz, RxReceivesOurCrcSender) {
    send_to_rx(random_bytes(10000, 1), false, {}, 1);
}

TEST(Lrzsz, RxReceivesOur1kSenderByteExact) {
    send_to_rx(random_bytes(300 * 1024 + 333, 2), true, {}, 2);  // > 255 blocks: wrap
}

TEST(Lrzsz, RxWithInjectedErrorsStillByteExact) {
    auto stats = send_to_rx(random_bytes(16 * 1024 + 5, 3), true, {"--errors", "6000"}, 3);
    EXPECT_GE(stats.retransmits, 1u);  // rx really rejected blocks and we resent them
}

TEST(Lrzsz, SxFeedsOurReceiver1k) {
    fs::path dir = temp_dir("sx1k");
    Bytes data = random_bytes(200 * 1024 + 17, 4);
    std::ofstream(dir / "in.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()), static_cast<long>(data.size()));
    test::PeerProcess sx({"sx", "-X", "-k", "-q", "in.bin"}, dir);
    xmodem::ReceiveOptions o;
    auto r = xmodem::receive(sx.transport(), o);
    EXPECT_TRUE(r.crc);
    EXPECT_EQ(sx.wait(30s), 0);
    expect_padded_equal(r.data, data);
    fs::remove_all(dir);
}

TEST(Lrzsz, SxFeedsOurChecksumReceiver) {
    fs::path dir = temp_dir("sxsum");
    Bytes data = random_bytes(5000, 5);
    std::ofstream(dir / "in.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()), static_cast<long>(data.size()));
    test::PeerProcess sx({"sx", "-X", "-q", "in.bin"}, dir);
    xmodem::ReceiveOptions o;
    o.crc = false;
    auto r = xmodem::receive(sx.transport(), o);
    EXPECT_FALSE(r.crc);
    EXPECT_EQ(sx.wait(30s), 0);
    expect_padded_equal(r.data, data);
    fs::remove_all(dir);
}

TEST(Lrzsz, RxThatNeverStartsIsABoundedError) {
    fs::path dir = temp_dir("late");
    // rx waits 3 s before doing anything; our handshake window is shorter.
    test::PeerProcess rx({"rx", "-c", "-q", "--delay-startup", "3", "out.bin"}, dir);
    xmodem::SendOptions o;
    o.timing.handshake = 500ms;
    EXPECT_THROW(xmodem::send(rx.transport(), random_bytes(100, 6), o), TimeoutError);
    fs::remove_all(dir);
}
