// The virtual flash image: erasing to 0xFF only marks sectors (no 0xFF data written), yet every
// read answers exactly what a plain byte array would, whatever mix of writes, fills and erases,
// aligned or not, and across a reopen (another process opening the module).
#include "sim/core/storage_image.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "src/util/error.hpp"

namespace cr::sim {
namespace {

namespace fs = std::filesystem;

class StorageImageTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("cr_storage_image_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path file() const { return dir_ / "lun0.img"; }
    // Bytes the image file really holds on disk (sparse files: allocated blocks only).
    std::uint64_t allocated() const {
        struct stat st {};
        ::stat(file().c_str(), &st);
        return static_cast<std::uint64_t>(st.st_blocks) * 512;
    }
    fs::path dir_;
};

Bytes read_all(const StorageImage& img) {
    Bytes out(img.sector_size() * img.total_sectors());
    img.read(0, out);
    return out;
}

TEST_F(StorageImageTest, EraseTo0xFFReadsBackAndTakesNoDataSpace) {
    constexpr std::uint32_t ss = 4096;
    constexpr std::uint64_t n = 4096;  // 16 MiB
    StorageImage img(file(), ss, n);
    img.erase(0, n, 0xFF);
    Bytes all = read_all(img);
    EXPECT_TRUE(std::all_of(all.begin(), all.end(), [](std::uint8_t b) { return b == 0xFF; }));
    // The erase wrote no 0xFF data (that copy is what made a station's flash CPU-bound).
    EXPECT_LT(allocated(), 1u << 20);
    Bytes page(ss, 0x5A);
    img.write(7, page);
    Bytes back(ss * 3);
    img.read(6, back);
    EXPECT_TRUE(std::all_of(back.begin(), back.begin() + ss, [](auto b) { return b == 0xFF; }));
    EXPECT_TRUE(std::equal(page.begin(), page.end(), back.begin() + ss));
    EXPECT_TRUE(std::all_of(back.begin() + 2 * ss, back.end(), [](auto b) { return b == 0xFF; }));
}

TEST_F(StorageImageTest, PartialWriteIntoAnErasedSectorKeepsTheRest0xFF) {
    StorageImage img(file(), 512, 8);
    img.erase(0, 8, 0xFF);
    img.write_bytes(512 + 100, Bytes(10, 0x00));  // zeros inside an erased sector
    Bytes s(512);
    img.read(1, s);
    for (std::size_t i = 0; i < s.size(); ++i)
        ASSERT_EQ(s[i], (i >= 100 && i < 110) ? 0x00 : 0xFF) << i;
    img.erase(1, 1, 0x00);  // zero fill (eMMC erase) clears the erased mark too
    img.read(1, s);
    EXPECT_TRUE(std::all_of(s.begin(), s.end(), [](auto b) { return b == 0; }));
}

TEST_F(StorageImageTest, MatchesAPlainByteArrayUnderRandomOperations) {
    constexpr std::uint32_t ss = 512;
    constexpr std::uint64_t n = 64;
    const std::size_t size = ss * n;
    Bytes model(size, 0);
    std::mt19937 rng(16);
    {
        StorageImage img(file(), ss, n);
        for (int op = 0; op < 3000; ++op) {
            std::size_t off = rng() % size;
            std::size_t len = 1 + rng() % std::min<std::size_t>(size - off, 3 * ss);
            switch (rng() % 4) {
                case 0: {  // write random data (sometimes all 0xFF or all 0x00)
                    Bytes d(len);
                    std::uint8_t kind = rng() % 3;
                    for (auto& b : d)
                        b = kind == 0 ? 0xFF : kind == 1 ? 0x00 : static_cast<std::uint8_t>(rng());
                    img.write_bytes(off, d);
                    std::copy(d.begin(), d.end(), model.begin() + off);
                    break;
                }
                case 1: {  // fill with 0xFF, 0x00 or another byte, any alignment
                    std::uint8_t v = std::array<std::uint8_t, 3>{0xFF, 0x00, 0xA5}[rng() % 3];
                    img.fill(off, len, v);
                    std::fill_n(model.begin() + off, len, v);
                    break;
                }
                case 2: {  // whole-sector erase
                    std::uint64_t first = rng() % n, count = 1 + rng() % (n - first);
                    std::uint8_t v = rng() % 2 ? 0xFF : 0x00;
                    img.erase(first, count, v);
                    std::fill_n(model.begin() + first * ss, count * ss, v);
                    break;
                }
                default: {
                    Bytes got(len);
                    img.read_bytes(off, got);
                    ASSERT_TRUE(std::equal(got.begin(), got.end(), model.begin() + off))
                        << "op " << op << " read at " << off << "+" << len;
                }
            }
        }
        ASSERT_EQ(read_all(img), model);
        img.sync();
    }
    StorageImage again(file(), ss, n);  // the marks live on disk, not in this object
    EXPECT_EQ(read_all(again), model);
}

TEST_F(StorageImageTest, AccessPastTheEndIsRefused) {
    StorageImage img(file(), 512, 4);
    Bytes b(513);
    EXPECT_THROW(img.read_bytes(1536, b), UsageError);
    EXPECT_THROW(img.fill(2048, 1, 0xFF), UsageError);
    EXPECT_THROW(img.write_bytes(~0ull - 2, Bytes(4)), UsageError);
}

}  // namespace
}  // namespace cr::sim
