// Sparse images through libsparse: data runs, FILL expansion, DONT_CARE holes left out, damaged
// images refused naming the XML line and the file. Images are made with libsparse itself.
#include <gtest/gtest.h>

#include "src/package/package.hpp"
#include "src/package/sparse_image.hpp"
#include "src/util/error.hpp"
#include "tests/unit/package/sparse_util.hpp"

namespace fs = std::filesystem;
using namespace cr;
using namespace cr::package;

namespace {

constexpr std::uint32_t kBlock = 4096;

// 16 blocks: RAW blocks 0-2, FILL 0xA5A5A5A5 blocks 3-4, DONT_CARE 5-9, RAW 10-11, DONT_CARE
// 12-15 (the tail). Returns the expanded image with zeros in the holes.
std::string make_sparse(const fs::path& out, bool crc = true) {
    std::string expanded(16 * kBlock, '\0');
    for (std::size_t i = 0; i < 3 * kBlock; ++i) expanded[i] = static_cast<char>(i * 7 + 1);
    for (std::size_t i = 3 * kBlock; i < 5 * kBlock; ++i) expanded[i] = static_cast<char>(0xA5);
    for (std::size_t i = 10 * kBlock; i < 12 * kBlock; ++i) expanded[i] = static_cast<char>(i * 3);
    crtest::write_sparse(out, expanded, crc);
    return expanded;
}

std::string expand(const fs::path& file, const SparseLayout& layout, std::uint64_t piece,
                   std::vector<SparseRun>* writes = nullptr) {
    std::string got(layout.expanded_bytes, '\0');
    write_sparse_pieces(file, layout, piece, "rawprogram0.xml:5",
                        [&](std::uint64_t off, std::span<const std::uint8_t> d) {
                            std::copy(d.begin(), d.end(), got.begin() + static_cast<long>(off));
                            if (writes) writes->push_back({off, d.size()});
                        });
    return got;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const DecodeError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(Sparse, RunsFillAndHolesAsTheImageSays) {
    crtest::TempDir t;
    fs::path img = t.path / "system.img";
    std::string want = make_sparse(img);
    ASSERT_TRUE(is_sparse_file(img));
    SparseLayout l = inspect_sparse(img, 4096, "rawprogram0.xml:5");
    EXPECT_EQ(l.block_size, kBlock);
    EXPECT_EQ(l.expanded_bytes, want.size());
    ASSERT_EQ(l.runs.size(), 2u);  // RAW+FILL merge into one run; the holes split them
    EXPECT_EQ(l.runs[0].offset, 0u);
    EXPECT_EQ(l.runs[0].length, 5u * kBlock);
    EXPECT_EQ(l.runs[1].offset, 10u * kBlock);
    EXPECT_EQ(l.runs[1].length, 2u * kBlock);
    EXPECT_EQ(l.data_bytes(), 7u * kBlock);
    // Also on 512-byte sectors (eMMC): 4096-byte blocks are whole sectors.
    EXPECT_NO_THROW(inspect_sparse(img, 512, "x"));
}

TEST(Sparse, PiecesNeverCrossAHoleAndRespectTheirSize) {
    crtest::TempDir t;
    fs::path img = t.path / "system.img";
    std::string want = make_sparse(img);
    SparseLayout l = inspect_sparse(img, 4096, "x");
    std::vector<SparseRun> writes;
    EXPECT_EQ(expand(img, l, 2 * kBlock, &writes), want);
    // 5 blocks in pieces of 2 -> 2,2,1; then the second run: 2.
    ASSERT_EQ(writes.size(), 4u);
    EXPECT_EQ(writes[2].offset, 4u * kBlock);
    EXPECT_EQ(writes[2].length, kBlock);
    EXPECT_EQ(writes[3].offset, 10u * kBlock);
    std::uint64_t sent = 0;
    for (const auto& w : writes) {
        sent += w.length;
        EXPECT_FALSE(w.offset < 10 * kBlock && w.offset + w.length > 5 * kBlock) << w.offset;
    }
    EXPECT_EQ(sent, l.data_bytes());
    EXPECT_EQ(expand(img, l, 1 << 20), want);
}

TEST(Sparse, NotASparseImageNamesTheLineAndFile) {
    crtest::TempDir t;
    fs::path img = t.path / "system.img";
    crtest::spit(img, std::string(8192, 'x'));
    std::string e = error_of([&] { inspect_sparse(img, 4096, "rawprogram0.xml:5"); });
    EXPECT_NE(e.find("rawprogram0.xml:5"), std::string::npos) << e;
    EXPECT_NE(e.find("system.img"), std::string::npos) << e;
    EXPECT_NE(e.find("not an Android sparse image"), std::string::npos) << e;
}

TEST(Sparse, BadChunkHeaderTruncationAndCrcMismatchAreRefused) {
    crtest::TempDir t;
    fs::path img = t.path / "system.img";
    make_sparse(img);
    std::string good = crtest::slurp(img);
    // The first chunk header follows the 28-byte file header; its type is a u16.
    std::string bad = good;
    bad[28] = '\x11';
    bad[29] = '\x22';
    crtest::spit(img, bad);
    std::string e = error_of([&] { inspect_sparse(img, 4096, "rawprogram0.xml:5"); });
    EXPECT_NE(e.find("bad header or chunk header"), std::string::npos) << e;
    EXPECT_NE(e.find("rawprogram0.xml:5"), std::string::npos) << e;

    crtest::spit(img, good.substr(0, good.size() / 2));
    e = error_of([&] { inspect_sparse(img, 4096, "x"); });
    EXPECT_NE(e.find("truncated"), std::string::npos) << e;

    // One data byte of the first RAW chunk (after its 12-byte header): the CRC32 chunk catches it.
    bad = good;
    bad[28 + 12 + 100] ^= 0x01;
    crtest::spit(img, bad);
    e = error_of([&] { inspect_sparse(img, 4096, "x"); });
    EXPECT_NE(e.find("CRC32"), std::string::npos) << e;
    // Without a CRC chunk the same damage cannot be seen: the image is then taken as it is.
    make_sparse(img, false);
    EXPECT_NO_THROW(inspect_sparse(img, 4096, "x"));
}

TEST(Sparse, BlocksThatAreNotWholeSectorsAreRefused) {
    crtest::TempDir t;
    fs::path img = t.path / "system.img";
    make_sparse(img);
    std::string e = error_of([&] { inspect_sparse(img, 8192, "x"); });
    EXPECT_NE(e.find("4096-byte blocks"), std::string::npos) << e;
}

// The header fields libsparse divides by or trusts are checked before it sees the file: a zero
// block size crashed libsparse's import with a division by zero (found by fuzz_sparse).
TEST(Sparse, HostileFileHeadersAreRefusedBeforeLibsparseSeesThem) {
    crtest::TempDir t;
    fs::path img = t.path / "system.img";
    make_sparse(img);
    const std::string good = crtest::slurp(img);
    auto with_u32 = [&](std::size_t at, std::uint32_t v) {
        std::string s = good;
        for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
        return s;
    };
    auto with_u16 = [&](std::size_t at, std::uint16_t v) {
        std::string s = good;
        s[at] = static_cast<char>(v);
        s[at + 1] = static_cast<char>(v >> 8);
        return s;
    };
    struct Case {
        std::string bytes;
        const char* says;
    };
    const Case cases[] = {
        {with_u32(12, 0), "0-byte blocks"},
        {with_u32(12, 4098), "4098-byte blocks"},
        {with_u32(12, 0x87480200), "2269643264-byte blocks"},
        {with_u16(4, 2), "format version 2"},
        {with_u16(8, 12), "12-byte file header"},
        {with_u16(10, 4), "4-byte chunk headers"},
        {with_u32(16, 0x40000000), "larger than its partition"},
        {good.substr(0, 20), "shorter than its 28-byte header"},
    };
    for (const auto& c : cases) {
        crtest::spit(img, c.bytes);
        std::string e = error_of([&] { inspect_sparse(img, 512, "rawprogram0.xml:5", 1u << 30); });
        EXPECT_NE(e.find(c.says), std::string::npos) << c.says << ": " << e;
        EXPECT_NE(e.find("rawprogram0.xml:5"), std::string::npos) << e;
    }
}
