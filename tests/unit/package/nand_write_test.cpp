// Raw NAND restores program only pages holding data; all-0xFF pages stay erased.
#include <gtest/gtest.h>

#include <cstring>

#include "src/util/error.hpp"
#include "src/workflows/backup/nand_write.hpp"

using namespace cr;
using namespace cr::workflows;

namespace {

struct Call {
    std::uint64_t start, sectors;
    Bytes data;
};

SourceFn from(const Bytes& data, std::size_t max_chunk) {
    auto pos = std::make_shared<std::size_t>(0);
    return [&data, pos, max_chunk](std::span<std::uint8_t> out) {
        std::size_t n = std::min({out.size(), data.size() - *pos, max_chunk});
        std::memcpy(out.data(), data.data() + *pos, n);
        *pos += n;
        return n;
    };
}

RegionWriter recorder(std::vector<Call>& calls) {
    return [&calls](const package::Region& r, std::uint64_t bytes, const SourceFn& src) {
        Call c{r.start_sector, r.num_sectors, Bytes(bytes)};
        std::size_t got = 0;
        while (got < bytes) got += src(std::span(c.data.data() + got, bytes - got));
        EXPECT_EQ(bytes, r.num_sectors * r.sector_size);
        calls.push_back(std::move(c));
    };
}

}  // namespace

TEST(NandWrite, AllFfPagesAreSkippedAndDataRunsProgrammed) {
    const std::uint32_t ps = 4096;
    package::Region r{"efs2", 0, ps, 1280, 8, 64};
    Bytes data(8 * ps, 0xFF);
    for (int page : {0, 1, 4, 6}) data[page * ps + 7] = static_cast<std::uint8_t>(page);
    std::vector<Call> calls;
    auto stats = write_skipping_erased_pages(r, data.size(), from(data, 1000), recorder(calls));
    EXPECT_EQ(stats.pages_programmed, 4u);
    EXPECT_EQ(stats.pages_skipped, 4u);
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[0].start, 1280u);
    EXPECT_EQ(calls[0].sectors, 2u);
    EXPECT_EQ(calls[1].start, 1284u);
    EXPECT_EQ(calls[2].start, 1286u);
    EXPECT_EQ(0, std::memcmp(calls[1].data.data(), data.data() + 4 * ps, ps));
    for (const auto& c : calls)  // no page handed to the programmer is blank
        for (std::size_t off = 0; off < c.data.size(); off += ps)
            EXPECT_FALSE(std::all_of(c.data.begin() + off, c.data.begin() + off + ps,
                                     [](std::uint8_t b) { return b == 0xFF; }));
}

TEST(NandWrite, LongRunsAreSplitAndAllBlankWritesNothing) {
    const std::uint32_t ps = 2048;
    package::Region r{"x", 0, ps, 0, 10, 64};
    Bytes data(10 * ps, 0x00);
    std::vector<Call> calls;
    write_skipping_erased_pages(r, data.size(), from(data, 1 << 20), recorder(calls), 4 * ps);
    ASSERT_EQ(calls.size(), 3u);  // 4 + 4 + 2 pages
    EXPECT_EQ(calls[2].start, 8u);
    EXPECT_EQ(calls[2].sectors, 2u);
    calls.clear();
    Bytes blank(10 * ps, 0xFF);
    auto stats = write_skipping_erased_pages(r, blank.size(), from(blank, 333), recorder(calls));
    EXPECT_TRUE(calls.empty());
    EXPECT_EQ(stats.pages_skipped, 10u);
}

TEST(NandWrite, PartialPagesAndShortSourcesAreErrors) {
    package::Region r{"x", 0, 4096, 0, 2, 64};
    Bytes data(8192, 1);
    std::vector<Call> calls;
    EXPECT_THROW(write_skipping_erased_pages(r, 4095, from(data, 100), recorder(calls)),
                 DecodeError);
    Bytes shorter(4096, 1);
    EXPECT_THROW(write_skipping_erased_pages(r, 8192, from(shorter, 100), recorder(calls)),
                 IoError);
}
