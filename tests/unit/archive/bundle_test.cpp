#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "src/archive/backup_store.hpp"
#include "src/archive/bundle.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace cr;
using namespace cr::archive;

namespace {

struct TempDir : cr::testing::TempDir {
    TempDir() : cr::testing::TempDir("cr-archive") {}
};

DeviceIdentity identity(std::string serial, std::string imei = "490154203237518") {
    DeviceIdentity id;
    id.chip_serial = std::move(serial);
    id.imeis = {std::move(imei)};
    id.msm_hw_id = "0x001990e1";
    id.pk_hash = std::string(64, 'a');
    id.model = "rm520n";
    id.firmware = "RM520NGLAAR01A07M4G";
    return id;
}

Bytes pattern(std::size_t n, unsigned seed) {
    Bytes b(n);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& v : b) {
        x = x * 1664525u + 1013904223u;
        v = static_cast<std::uint8_t>(x >> 24);
    }
    return b;
}

fs::path write_small_bundle(const fs::path& file) {
    BundleWriter w(file, BundleKind::calibration, identity("0x11223344"), {{"note", "test"}});
    w.add("nv/550/sub0", as_bytes("\x08\x3a\x49\x10\x45\x02\x23\x73\x15"), {{"id", 550}});
    w.add("efs/nv/item_files/modem/mmode/sms_domain_pref", as_bytes("\x01"));
    w.add("empty", ByteView{});
    w.commit();
    return file;
}

std::vector<fs::path> dir_files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    return out;
}

}  // namespace

TEST(Bundle, RoundTripSmallAndStreamedEntries) {
    TempDir t;
    Bytes big = pattern(3 * 1024 * 1024 + 17, 7);
    Bytes ff(2 * 1024 * 1024, 0xff);
    BundleWriter w(t.path / "b.crb", BundleKind::partition, identity("0xdeadbeef"));
    w.add_streamed(
        "efs2",
        [&](const ByteSink& sink) {
            for (std::size_t i = 0; i < big.size(); i += 100000)
                sink(ByteView(big).subspan(i, std::min<std::size_t>(100000, big.size() - i)));
        },
        {{"start_sector", 1280}});
    w.add("fsg", ff);
    w.metadata()["reason"] = "unit test";
    BundleManifest m = w.commit();
    EXPECT_EQ(m.entries.size(), 2u);

    auto r = BundleReader::open(t.path / "b.crb");
    EXPECT_EQ(r.manifest().kind, BundleKind::partition);
    EXPECT_EQ(r.manifest().identity.chip_serial, "0xdeadbeef");
    EXPECT_EQ(r.manifest().identity.imeis.at(0), "490154203237518");
    EXPECT_EQ(r.manifest().metadata["reason"], "unit test");
    EXPECT_FALSE(r.manifest().created.empty());
    const auto& e = r.require("efs2");
    EXPECT_EQ(e.size, big.size());
    EXPECT_EQ(e.sha256, sha256_hex(big));
    EXPECT_EQ(e.metadata["start_sector"], 1280);
    EXPECT_EQ(r.read_entry(e), big);
    EXPECT_EQ(r.read_entry(r.require("fsg")), ff);
    EXPECT_LT(r.require("fsg").compressed_size, 100000u);  // zlib really compresses
    EXPECT_NO_THROW(r.verify_all());
    EXPECT_THROW(r.require("nope"), NotFoundError);
    // Only the bundle remains: no temporary file left behind.
    EXPECT_EQ(dir_files(t.path).size(), 1u);
}

TEST(Bundle, EntryStreamPullsInSmallPieces) {
    TempDir t;
    Bytes data = pattern(70000, 3);
    BundleWriter w(t.path / "s.crb", BundleKind::partition, identity("0x1"));
    w.add("x", data);
    w.commit();
    auto r = BundleReader::open(t.path / "s.crb");
    auto s = r.open_entry(r.require("x"));
    Bytes got;
    std::uint8_t buf[333];
    while (std::size_t n = s.read(buf)) got.insert(got.end(), buf, buf + n);
    EXPECT_EQ(got, data);
    EXPECT_EQ(s.remaining(), 0u);
}

TEST(Bundle, EveryFlippedByteIsDetected) {
    TempDir t;
    Bytes good = read_file(write_small_bundle(t.path / "c.crb"));
    ASSERT_NO_THROW(BundleReader::from_memory(good).verify_all());
    for (std::size_t i = 0; i < good.size(); ++i) {
        Bytes bad = good;
        bad[i] ^= 0x01;
        try {
            BundleReader::from_memory(bad).verify_all();
            ADD_FAILURE() << "flip at " << i << " of " << good.size() << " not detected";
        } catch (const VerifyError&) {
        } catch (const DecodeError&) {
        }
    }
}

TEST(Bundle, FlippedDataByteCaughtOnEntryReadWithManifestCheck) {
    TempDir t;
    BundleWriter w(t.path / "d.crb", BundleKind::partition, identity("0x2"));
    w.add("efs2", pattern(50000, 9));
    w.commit();
    Bytes bytes = read_file(t.path / "d.crb");
    bytes[16 + 100] ^= 0x80;  // inside the compressed data
    auto r = BundleReader::from_memory(bytes, BundleReader::Check::manifest);
    EXPECT_THROW(r.verify_entry(r.require("efs2")), Error);
    try {
        BundleReader::from_memory(bytes).verify_all();
        FAIL();
    } catch (const VerifyError& e) {
        EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos);
        EXPECT_NE(e.device_state().find("nothing was written"), std::string::npos);
    }
}

TEST(Bundle, TruncatedAndForeignFilesAreRejected) {
    TempDir t;
    Bytes good = read_file(write_small_bundle(t.path / "c.crb"));
    for (std::size_t n : {std::size_t{0}, std::size_t{10}, good.size() / 2, good.size() - 1})
        EXPECT_THROW(BundleReader::from_memory(Bytes(good.begin(), good.begin() + n)), DecodeError)
            << n;
    EXPECT_THROW(BundleReader::from_memory(Bytes(200, 'x')), DecodeError);
    EXPECT_THROW(BundleReader::open(t.path / "missing.crb"), NotFoundError);
}

TEST(Bundle, FailedProducerLeavesNothing) {
    TempDir t;
    {
        BundleWriter w(t.path / "e.crb", BundleKind::partition, identity("0x3"));
        w.add("a", pattern(1000, 1));
        EXPECT_THROW(w.add_streamed("b",
                                    [](const ByteSink& sink) {
                                        sink(as_bytes("partial"));
                                        throw DeviceGoneError("device vanished");
                                    }),
                     DeviceGoneError);
        EXPECT_THROW(w.commit(), IoError);
    }
    EXPECT_TRUE(dir_files(t.path).empty());
    {
        BundleWriter w(t.path / "f.crb", BundleKind::partition, identity("0x3"));
        w.add("a", pattern(10, 1));
        EXPECT_THROW(w.add("a", pattern(10, 1)), UsageError);
    }  // never committed: abandoned
    EXPECT_TRUE(dir_files(t.path).empty());
}

// A streamed entry crosses the worker threads in many blocks: odd chunk sizes, compressible
// runs and noise, and a producer that fails after the queue filled up leaves nothing.
TEST(Bundle, LargeStreamedEntriesRoundTripAndAFailureMidwayLeavesNothing) {
    TempDir t;
    Bytes noise = pattern(3 << 20, 9), erased(5 << 20, 0xff);
    auto feed = [](const Bytes& b, const ByteSink& sink) {
        for (std::size_t pos = 0, step = 4093; pos < b.size(); pos += step, step += 1021)
            sink(ByteView(b.data() + pos, std::min(step, b.size() - pos)));
    };
    {
        BundleWriter w(t.path / "big.crb", BundleKind::snapshot, identity("0x5"));
        w.add_streamed("noise", [&](const ByteSink& s) { feed(noise, s); });
        w.add_streamed("erased", [&](const ByteSink& s) { feed(erased, s); });
        w.add_streamed("empty", [](const ByteSink&) {});
        BundleManifest m = w.commit();
        ASSERT_EQ(m.entries.size(), 3u);
        EXPECT_EQ(m.entries[0].sha256, sha256_hex(noise));
        EXPECT_EQ(m.entries[1].sha256, sha256_hex(erased));
        EXPECT_LT(m.entries[1].compressed_size, 64u * 1024);
    }
    auto r = BundleReader::open(t.path / "big.crb");
    EXPECT_EQ(r.read_entry(r.require("noise")), noise);
    EXPECT_EQ(r.read_entry(r.require("erased")), erased);
    EXPECT_EQ(r.require("empty").size, 0u);
    {
        BundleWriter w(t.path / "gone.crb", BundleKind::snapshot, identity("0x5"));
        EXPECT_THROW(w.add_streamed("noise",
                                    [&](const ByteSink& s) {
                                        feed(noise, s);
                                        throw DeviceGoneError("device vanished");
                                    }),
                     DeviceGoneError);
    }
    EXPECT_EQ(dir_files(t.path).size(), 1u);  // only big.crb
}

TEST(Bundle, IdentityMatching) {
    EXPECT_TRUE(same_device(identity("0x1", "1"), identity("0x1", "2")));
    EXPECT_FALSE(same_device(identity("0x1", "1"), identity("0x2", "1")));  // serials decide
    EXPECT_TRUE(same_device(identity("", "1"), identity("0x2", "1")));      // IMEI fallback
    EXPECT_FALSE(same_device(identity("", ""), identity("", "")));
    DeviceIdentity a = identity("0x9");
    EXPECT_EQ(identity_from_json(to_json(a)).imeis, a.imeis);
    EXPECT_THROW(identity_from_json(nlohmann::json{{"imeis", 5}}), DecodeError);
}

TEST(BackupStoreTest, ListsNewestFirstAndFindsByDevice) {
    TempDir t;
    BackupStore store(t.path / "store");
    EXPECT_TRUE(store.list().empty());  // missing dir = empty store
    auto p1 = store.new_bundle_path(BundleKind::partition, identity("0xaaaa"), "efs2");
    {
        BundleWriter w(p1, BundleKind::partition, identity("0xaaaa"));
        w.add("efs2", pattern(100, 1));
        w.commit();
    }
    auto p2 = store.new_bundle_path(BundleKind::partition, identity("0xaaaa"), "efs2");
    EXPECT_NE(p1, p2);
    {
        BundleWriter w(p2, BundleKind::partition, identity("0xaaaa"));
        w.add("fsg", pattern(100, 2));
        w.commit();
    }
    auto p3 = store.new_bundle_path(BundleKind::calibration, identity("", "356938035643809"));
    {
        BundleWriter w(p3, BundleKind::calibration, identity("", "356938035643809"));
        w.add("nv/550", pattern(9, 2));
        w.commit();
    }
    std::ofstream(store.dir() / "junk.crb") << "not a bundle";
    auto all = store.list();
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(std::count_if(all.begin(), all.end(), [](auto& b) { return !b.readable; }), 1);
    for (const auto& b : all)
        if (!b.readable) {
            EXPECT_FALSE(to_json(b).value("error", "").empty());
        }

    auto hit = store.find_newest(identity("0xaaaa", "x"), BundleKind::partition, "efs2");
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->file, p1);
    auto newest = store.find_newest(identity("0xaaaa", "x"), BundleKind::partition);
    ASSERT_TRUE(newest);
    EXPECT_TRUE(newest->file == p1 || newest->file == p2);
    EXPECT_FALSE(store.find_newest(identity("0xbbbb"), BundleKind::partition));
    auto cal = store.find_newest(identity("", "356938035643809"), BundleKind::calibration);
    ASSERT_TRUE(cal);
    EXPECT_EQ(cal->file, p3);
    EXPECT_FALSE(store.find_newest(identity("0xaaaa"), BundleKind::calibration));
}
