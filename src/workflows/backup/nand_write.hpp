// Writing raw data back to NAND without corrupting it (PROTOCOLS.md §3 "NAND erased pages"):
// programming a page with all-0xFF data writes ECC for it, so it no longer reads as erased and
// UBI/EFS2 then see garbage. A raw restore therefore erases the blocks first (the caller) and
// programs only the runs of pages that hold data; all-0xFF pages stay erased.
#pragma once
#include <cstdint>

#include "src/workflows/backup/partition_backup.hpp"

namespace cr::workflows {

struct NandWriteStats {
    std::uint64_t pages_programmed = 0;
    std::uint64_t pages_skipped = 0;  // all 0xFF: left erased
    std::uint64_t runs = 0;           // program commands issued
};

// Pulls exactly `bytes` (a whole number of region.sector_size pages) from `source` and calls
// `program` once per run of consecutive non-0xFF pages (each run at most max_run_bytes), with
// the run's own region and bytes. Throws DecodeError when `bytes` is not whole pages, IoError
// when the source ends early.
NandWriteStats write_skipping_erased_pages(const package::Region& region, std::uint64_t bytes,
                                           const SourceFn& source, const RegionWriter& program,
                                           std::size_t max_run_bytes = 1u << 20);

}  // namespace cr::workflows
