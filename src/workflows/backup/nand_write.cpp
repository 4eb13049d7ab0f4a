// Program only the pages that hold data (see nand_write.hpp).
#include "src/workflows/backup/nand_write.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "src/util/error.hpp"

namespace cr::workflows {
namespace {

bool erased(std::span<const std::uint8_t> page) {
    return std::all_of(page.begin(), page.end(), [](std::uint8_t b) { return b == 0xFF; });
}

void fill_page(const SourceFn& source, std::span<std::uint8_t> page) {
    std::size_t got = 0;
    while (got < page.size()) {
        std::size_t n = source(page.subspan(got));
        if (n == 0) throw IoError("the data ended before the region was complete");
        got += n;
    }
}

}  // namespace

NandWriteStats write_skipping_erased_pages(const package::Region& region, std::uint64_t bytes,
                                           const SourceFn& source, const RegionWriter& program,
                                           std::size_t max_run_bytes) {
    const std::uint32_t ps = region.sector_size;
    if (ps == 0 || bytes % ps != 0)
        throw DecodeError(
            fmt::format("{}: {} bytes are not whole {}-byte NAND pages", region.label, bytes, ps));
    const std::size_t max_pages = std::max<std::size_t>(1, max_run_bytes / ps);
    NandWriteStats stats;
    Bytes run;
    run.reserve(max_pages * ps);
    std::uint64_t run_start = 0;  // page index in the region
    auto flush = [&] {
        if (run.empty()) return;
        package::Region r = region;
        r.start_sector = region.start_sector + run_start;
        r.num_sectors = run.size() / ps;
        std::size_t pos = 0;
        program(r, run.size(), [&](std::span<std::uint8_t> out) {
            std::size_t n = std::min(out.size(), run.size() - pos);
            std::memcpy(out.data(), run.data() + pos, n);
            pos += n;
            return n;
        });
        ++stats.runs;
        run.clear();
    };
    Bytes page(ps);
    const std::uint64_t pages = bytes / ps;
    for (std::uint64_t i = 0; i < pages; ++i) {
        fill_page(source, page);
        if (erased(page)) {
            ++stats.pages_skipped;
            flush();
            continue;
        }
        if (run.empty()) run_start = i;
        run.insert(run.end(), page.begin(), page.end());
        ++stats.pages_programmed;
        if (run.size() / ps >= max_pages) flush();
    }
    flush();
    return stats;
}

}  // namespace cr::workflows
