// libsparse wrapper: check a sparse image fully, list its data runs, stream its data in pieces.
#include "src/package/sparse_image.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sparse/sparse.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <exception>
#include <fstream>
#include <optional>

#include "src/util/bytes.hpp"
#include "src/util/error.hpp"

namespace cr::package {
namespace {

constexpr std::uint32_t kSparseMagic = 0xED26FF3A;  // PROTOCOLS.md §3
constexpr std::uint32_t kMaxBlockSize = 1u << 20;

DecodeError sparse_error(const std::string& origin, const std::filesystem::path& file,
                         const std::string& what) {
    return DecodeError(
        fmt::format("{}: sparse image {} {}", origin, file.filename().string(), what),
        "nothing was sent to the device",
        "the package is damaged: re-download it (or use its unsparse set)");
}

struct Fd {
    int fd = -1;
    explicit Fd(const std::filesystem::path& p) : fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC)) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

struct SparseFile {
    sparse_file* s = nullptr;
    ~SparseFile() {
        if (s) sparse_file_destroy(s);
    }
};

// The callback state for sparse_file_callback: libsparse hands the expanded image in order,
// data as bytes and DONT_CARE holes as a null pointer with their length.
struct Walk {
    std::uint64_t offset = 0;
    std::function<void(std::uint64_t, std::span<const std::uint8_t>)> on_data;
    std::exception_ptr error;
};

int walk_cb(void* priv, const void* data, std::size_t len) {
    auto* w = static_cast<Walk*>(priv);
    try {
        if (data) w->on_data(w->offset, {static_cast<const std::uint8_t*>(data), len});
        w->offset += len;
        return 0;
    } catch (...) {  // never unwind through libsparse
        w->error = std::current_exception();
        return -1;
    }
}

// Opens, imports (structure only: chunk headers and sizes, RAW data left in the file) and walks
// the image; `fd` must outlive the walk because the imported RAW chunks are read from it.
void walk(const std::filesystem::path& file, const std::string& origin,
          const std::function<void(sparse_file*)>& before,
          const std::function<void(std::uint64_t, std::span<const std::uint8_t>)>& on_data) {
    Fd fd(file);
    if (fd.fd < 0) throw IoError(fmt::format("cannot open {}", file.string()));
    SparseFile sf;
    sf.s = sparse_file_import(fd.fd, false, false);
    if (!sf.s)
        throw sparse_error(origin, file, "has a bad header or chunk header, or is truncated");
    if (before) before(sf.s);
    Walk w;
    w.on_data = on_data;
    int rc = sparse_file_callback(sf.s, false, false, walk_cb, &w);
    if (w.error) std::rethrow_exception(w.error);
    if (rc != 0) throw sparse_error(origin, file, "could not be read to its end");
}

// libsparse checks each CRC32 chunk against the data before it (holes count as zeros). Only
// run once the structure is known sound and its size bounded: the check expands every chunk.
void check_crc(const std::filesystem::path& file, const std::string& origin) {
    Fd fd(file);
    if (fd.fd < 0) throw IoError(fmt::format("cannot open {}", file.string()));
    SparseFile sf;
    sf.s = sparse_file_import(fd.fd, false, true);
    if (!sf.s) throw sparse_error(origin, file, "fails its CRC32 check (its data is damaged)");
}

}  // namespace

std::uint64_t SparseLayout::data_bytes() const {
    std::uint64_t n = 0;
    for (const auto& r : runs) n += r.length;
    return n;
}

namespace {

// The fields of the 28-byte file header that libsparse divides by or trusts (PROTOCOLS.md §3;
// AOSP sparse_format.h). libsparse 1:8.1.0 checks the magic, version and header sizes but not
// the block size: a zero one is a division by zero inside sparse_file_import (found by
// fuzz_sparse), so the header is read and checked here before libsparse sees the file.
struct SparseHeader {
    std::uint16_t major = 0;
    std::uint16_t file_header_size = 0;
    std::uint16_t chunk_header_size = 0;
    std::uint32_t block_size = 0;
    std::uint32_t total_blocks = 0;
};

std::optional<SparseHeader> read_header(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::array<std::uint8_t, 28> b{};
    if (!in.read(reinterpret_cast<char*>(b.data()), b.size())) return std::nullopt;
    ByteReader r(ByteView(b.data(), b.size()), "sparse header");
    if (r.u32() != kSparseMagic) return std::nullopt;
    SparseHeader h;
    h.major = r.u16();
    r.skip(2);  // minor version
    h.file_header_size = r.u16();
    h.chunk_header_size = r.u16();
    h.block_size = r.u32();
    h.total_blocks = r.u32();
    return h;
}

// Refuses what libsparse must never be handed, and what this tool cannot write, before import.
void check_header(const SparseHeader& h, const std::filesystem::path& file,
                  const std::string& origin, std::uint32_t sector_size, std::uint64_t max_bytes) {
    if (h.major != 1)
        throw sparse_error(origin, file,
                           fmt::format("has format version {}, only version 1 exists", h.major));
    if (h.file_header_size < 28 || h.chunk_header_size < 12)
        throw sparse_error(origin, file,
                           fmt::format("has a {}-byte file header and {}-byte chunk headers (at "
                                       "least 28 and 12)",
                                       h.file_header_size, h.chunk_header_size));
    // libsparse allocates a whole block at once (a size over INT_MAX goes negative in it); real
    // images use 4096-byte blocks, so anything over kMaxBlockSize is damage, not a format.
    if (h.block_size == 0 || h.block_size % 4 != 0 || h.block_size > kMaxBlockSize ||
        sector_size == 0 || h.block_size % sector_size != 0)
        throw sparse_error(origin, file,
                           fmt::format("has {}-byte blocks, not a whole number of {}-byte sectors",
                                       h.block_size, sector_size));
    std::uint64_t expanded = static_cast<std::uint64_t>(h.block_size) * h.total_blocks;
    if (expanded > max_bytes)
        throw sparse_error(origin, file,
                           fmt::format("is larger than its partition ({} bytes once unsparsed, "
                                       "the partition has {})",
                                       expanded, max_bytes));
}

}  // namespace

bool is_sparse_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::array<std::uint8_t, 4> b{};
    if (!in.read(reinterpret_cast<char*>(b.data()), b.size())) return false;
    return load_le32(b.data()) == kSparseMagic;
}

SparseLayout inspect_sparse(const std::filesystem::path& file, std::uint32_t sector_size,
                            const std::string& origin, std::uint64_t max_bytes) {
    std::optional<SparseHeader> header = read_header(file);
    if (!header)
        throw sparse_error(origin, file,
                           "is marked sparse=\"true\" but is not an Android sparse image (no "
                           "0xED26FF3A magic, or shorter than its 28-byte header)");
    check_header(*header, file, origin, sector_size, max_bytes);
    SparseLayout layout;
    auto before = [&](sparse_file* s) {
        layout.block_size = sparse_file_block_size(s);
        layout.expanded_bytes = static_cast<std::uint64_t>(sparse_file_len(s, false, false));
        if (layout.expanded_bytes > max_bytes)
            throw sparse_error(origin, file,
                               fmt::format("is larger than its partition ({} bytes once "
                                           "unsparsed, the partition has {})",
                                           layout.expanded_bytes, max_bytes));
    };
    walk(file, origin, before, [&](std::uint64_t off, std::span<const std::uint8_t> d) {
        if (off + d.size() > layout.expanded_bytes)  // before libsparse's own assert on it
            throw sparse_error(origin, file, "has chunks past the size its header gives");
        if (!layout.runs.empty() && layout.runs.back().offset + layout.runs.back().length == off)
            layout.runs.back().length += d.size();
        else
            layout.runs.push_back({off, d.size()});
    });
    check_crc(file, origin);
    return layout;
}

void write_sparse_pieces(const std::filesystem::path& file, const SparseLayout& layout,
                         std::uint64_t max_piece, const std::string& origin,
                         const SparsePieceFn& write) {
    max_piece =
        std::max<std::uint64_t>(max_piece - max_piece % layout.block_size, layout.block_size);
    std::vector<std::uint8_t> buf;
    std::uint64_t buf_at = 0, sent = 0;
    auto flush = [&] {
        if (buf.empty()) return;
        write(buf_at, buf);
        sent += buf.size();
        buf_at += buf.size();
        buf.clear();
    };
    walk(file, origin, {}, [&](std::uint64_t off, std::span<const std::uint8_t> d) {
        if (off != buf_at + buf.size()) {  // a DONT_CARE hole: nothing of it goes on the wire
            flush();
            buf_at = off;
        }
        while (!d.empty()) {
            std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(d.size(), max_piece - buf.size()));
            buf.insert(buf.end(), d.begin(), d.begin() + static_cast<std::ptrdiff_t>(take));
            d = d.subspan(take);
            if (buf.size() == max_piece) flush();
        }
    });
    flush();
    if (sent != layout.data_bytes())
        throw sparse_error(origin, file,
                           fmt::format("changed since it was checked ({} data bytes, {} expected)",
                                       sent, layout.data_bytes()));
}

}  // namespace cr::package
