// Test helper: writes an Android sparse image of `expanded` with libsparse (like img2simg: zero
// blocks become DONT_CARE, blocks of one repeated 32-bit value FILL, the rest RAW), optionally
// with a CRC32 chunk over the expanded image.
#pragma once
#include <fcntl.h>
#include <sparse/sparse.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "tests/unit/package/test_util.hpp"

namespace crtest {

inline void put32(std::string& s, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
}

// A CRC32 chunk over the expanded image (holes as zeros, FILL expanded), as libsparse's reader
// checks it. (libsparse 29's own writer counts FILL and DONT_CARE differently, so its crc=true
// output fails its own reader: the chunk is appended here instead.)
inline void append_crc_chunk(const std::filesystem::path& file, const std::string& expanded) {
    std::string s = slurp(file);
    std::uint32_t chunks = 0;
    std::memcpy(&chunks, s.data() + 20, 4);  // little-endian hosts only (x86, arm)
    put32(s, 20, chunks + 1);
    std::string chunk(16, '\0');
    chunk[0] = '\xC4';
    chunk[1] = '\xCA';
    put32(chunk, 8, 16);
    put32(chunk, 12,
          static_cast<std::uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(expanded.data()),
                                             static_cast<uInt>(expanded.size()))));
    spit(file, s + chunk);
}

inline void write_sparse(const std::filesystem::path& out, const std::string& expanded,
                         bool crc = true, std::uint32_t block = 4096) {
    if (expanded.size() % block) throw std::runtime_error("not whole blocks");
    sparse_file* s = sparse_file_new(block, static_cast<int64_t>(expanded.size()));
    auto kind = [&](std::size_t b, std::uint32_t& fill) {  // 0 hole, 1 fill, 2 data
        const char* p = expanded.data() + b * block;
        std::memcpy(&fill, p, 4);
        for (std::size_t i = 4; i < block; i += 4)
            if (std::memcmp(p + i, &fill, 4) != 0) return 2;
        return fill == 0 ? 0 : 1;
    };
    std::size_t blocks = expanded.size() / block;
    for (std::size_t b = 0; b < blocks;) {
        std::uint32_t fill = 0, next_fill = 0;
        int k = kind(b, fill);
        std::size_t e = b + 1;
        while (e < blocks && kind(e, next_fill) == k && (k != 1 || next_fill == fill)) ++e;
        unsigned len = static_cast<unsigned>((e - b) * block);
        if (k == 2)
            sparse_file_add_data(s, const_cast<char*>(expanded.data()) + b * block, len,
                                 static_cast<unsigned>(b));
        else if (k == 1)
            sparse_file_add_fill(s, fill, len, static_cast<unsigned>(b));
        b = e;
    }
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = sparse_file_write(s, fd, false, true, false);
    ::close(fd);
    sparse_file_destroy(s);
    if (rc != 0) throw std::runtime_error("sparse_file_write failed");
    if (crc) append_crc_chunk(out, expanded);
}

}  // namespace crtest
