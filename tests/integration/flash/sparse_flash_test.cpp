// A sparse package lands on a virtual UFS module exactly as its unsparse equivalent does, and
// its DONT_CARE holes are never sent (what the device held there stays).
#include "src/util/error.hpp"
#include "tests/integration/flash/flash_fixture.hpp"
#include "tests/unit/package/sparse_util.hpp"

using namespace cr;
using namespace cr::workflows;
using crtest::FlashFixture;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUfs = "qcs6490-ufs";  // GPT, 4096-byte sectors
constexpr std::size_t kBlock = 4096;

// 48 blocks: RAW 0-5, FILL 6-9, hole 10-29, RAW 30-33, hole 34-47.
std::string system_image() {
    std::string img(48 * kBlock, '\0');
    for (std::size_t i = 0; i < 6 * kBlock; ++i) img[i] = static_cast<char>(i * 29 + 3);
    std::fill(img.begin() + 6 * kBlock, img.begin() + 10 * kBlock, '\x7e');
    for (std::size_t i = 30 * kBlock; i < 34 * kBlock; ++i) img[i] = static_cast<char>(i >> 3);
    return img;
}

}  // namespace

TEST_F(FlashFixture, SparsePackageLandsExactlyLikeItsUnsparseEquivalent) {
    const std::string img = system_image();
    fs::path plain = make_package(kUfs, false, root / "plain");
    fs::remove(plain / "md5.txt");  // the images change below
    crtest::spit(plain / "update" / "sysfs.ubi", img);
    fs::path sparse = root / "sparse";
    fs::copy(plain, sparse, fs::copy_options::recursive);
    crtest::write_sparse(sparse / "update" / "sysfs.ubi", img);
    crtest::replace_in(sparse / "update" / "firehose" / "rawprogram0_update.xml",
                       "label=\"system\"", "label=\"system\" sparse=\"true\"");
    pkg_dir = plain;  // session(): the programmer is the same in both

    auto m1 = module(std::string(kUfs) + "#1");
    auto m2 = module(std::string(kUfs) + "#2");
    auto d1 = device(std::string(kUfs) + "#1");
    auto d2 = device(std::string(kUfs) + "#2");
    FlashReport r1 = flash_package(*d1, options(plain));
    FlashReport r2 = flash_package(*d2, options(sparse));
    const package::FlashStep* sys = nullptr;
    for (const auto& s : r2.plan.steps)
        if (s.op.label == "system") sys = &s;
    ASSERT_NE(sys, nullptr);
    ASSERT_TRUE(sys->sparse);
    EXPECT_EQ(sys->bytes, 14 * kBlock);  // RAW + FILL only went on the wire
    EXPECT_EQ(r1.total_bytes - r2.total_bytes, img.size() - 14 * kBlock);

    // The image's span of the partition plus a margin (the rest of it is never written).
    auto whole = [&](cr::sim::VirtualModule& m) {
        Bytes out(img.size() + 8 * kBlock);
        m.storage().read(cr::sim::find_partition(m.model(), "system")->start_sector, out);
        return out;
    };
    Bytes a = whole(*m1), b = whole(*m2);
    EXPECT_TRUE(a == b) << "the sparse flash differs from the unsparse one";
    EXPECT_TRUE(Bytes(a.begin(), a.begin() + static_cast<long>(img.size())) ==
                Bytes(img.begin(), img.end()));

    // What the device holds under a DONT_CARE hole stays: it was never sent.
    const auto* part = cr::sim::find_partition(m2->model(), "system");
    Bytes marker(20 * kBlock, 0xC3);
    m2->storage().write(part->start_sector + 10, marker);
    cr::sim::apply_state(*m2, "edl", {});
    flash_package(*d2, options(sparse));
    Bytes c = whole(*m2);
    EXPECT_TRUE(Bytes(c.begin() + 10 * kBlock, c.begin() + 30 * kBlock) == marker);
    EXPECT_TRUE(Bytes(c.begin(), c.begin() + 10 * kBlock) ==
                Bytes(img.begin(), img.begin() + 10 * kBlock));
    EXPECT_TRUE(Bytes(c.begin() + 30 * kBlock, c.begin() + 34 * kBlock) ==
                Bytes(img.begin() + 30 * kBlock, img.begin() + 34 * kBlock));
}

TEST_F(FlashFixture, DamagedSparseImageSendsNothing) {
    fs::path pkg = make_package(kUfs, false, pkg_dir);
    fs::remove(pkg / "md5.txt");
    crtest::write_sparse(pkg / "update" / "sysfs.ubi", system_image());
    std::string s = crtest::slurp(pkg / "update" / "sysfs.ubi");
    s[28 + 12 + 1] ^= 0x10;  // RAW data: the CRC32 chunk no longer matches
    crtest::spit(pkg / "update" / "sysfs.ubi", s);
    crtest::replace_in(pkg / "update" / "firehose" / "rawprogram0_update.xml", "label=\"system\"",
                       "label=\"system\" sparse=\"true\"");
    auto m = module(kUfs);
    auto dev = device(kUfs);
    const auto* part = cr::sim::find_partition(m->model(), "system");
    Bytes before(64 * kBlock), after(64 * kBlock);
    m->storage().read(part->start_sector, before);
    try {
        flash_package(*dev, options(pkg));
        FAIL() << "a damaged sparse image was flashed";
    } catch (const DecodeError& e) {
        EXPECT_NE(std::string(e.what()).find("rawprogram0_update.xml:"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("sysfs.ubi"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("CRC32"), std::string::npos) << e.what();
    }
    m->storage().read(part->start_sector, after);
    EXPECT_TRUE(before == after);
}
