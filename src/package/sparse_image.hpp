// Android sparse images (rawprogram sparse="true"), read through Debian's libsparse
// (android-libsparse-dev), never a hand-written decoder. Facts: PROTOCOLS.md §3 (magic
// 0xED26FF3A; RAW, FILL, DONT_CARE, CRC32 chunks).
// inspect_sparse checks the whole image (headers, chunk sizes, CRC32 chunks) before anything is
// sent and returns where its data lies; stream_sparse then hands the expanded data out piece by
// piece (FILL expanded, DONT_CARE left out) so the caller writes only what the image holds.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace cr::package {

// A run of the expanded image that holds data (RAW or FILL); DONT_CARE lies between runs.
struct SparseRun {
    std::uint64_t offset = 0;  // bytes from the start of the expanded image
    std::uint64_t length = 0;
};

struct SparseLayout {
    std::uint32_t block_size = 0;
    std::uint64_t expanded_bytes = 0;  // size of the image once unsparsed
    std::vector<SparseRun> runs;       // in order, merged when adjacent
    std::uint64_t data_bytes() const;  // what goes on the wire
};

// True when the file starts with the sparse magic.
bool is_sparse_file(const std::filesystem::path& file);

// Reads and checks the whole image (CRC32 chunks included). Throws DecodeError naming `origin`
// (the XML file and line) and the file: not a sparse image, bad header or chunk header,
// truncated, CRC mismatch, block size not a whole number of `sector_size` sectors, an expanded
// size over `max_bytes` (the partition: checked before anything is expanded).
SparseLayout inspect_sparse(const std::filesystem::path& file, std::uint32_t sector_size,
                            const std::string& origin, std::uint64_t max_bytes = UINT64_MAX);

// Streams the image's data in order, through libsparse: `write(offset, piece)` for pieces of at
// most `max_piece` bytes (a multiple of the block size) that never span a DONT_CARE hole, so
// each piece is one contiguous write. Exceptions from `write` propagate. Throws DecodeError when
// the image no longer reads as `layout` says (changed since inspect_sparse).
using SparsePieceFn = std::function<void(std::uint64_t offset, std::span<const std::uint8_t>)>;
void write_sparse_pieces(const std::filesystem::path& file, const SparseLayout& layout,
                         std::uint64_t max_piece, const std::string& origin,
                         const SparsePieceFn& write);

}  // namespace cr::package
