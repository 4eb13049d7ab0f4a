// A virtual module's flash: one sparse file per LUN, addressed in sectors. Thread-safe
// (positional I/O only). NAND bad-block handling lives in the Firehose target, not here.
//
// Erasing to 0xFF (NAND) is cheap: the sectors are marked erased in a side file
// (`<image>.erased`, one byte per sector, sparse) and their data punched out; they read back as
// 0xFF until written. Filling them with 0xFF data would cost a copy of every erased byte, which
// is most of the chip on every flash (hundreds of MiB per module in a station).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>

#include "src/util/bytes.hpp"

namespace cr::sim {

class StorageImage {
  public:
    StorageImage(const std::filesystem::path& file, std::uint32_t sector_size,
                 std::uint64_t total_sectors);
    ~StorageImage();
    StorageImage(const StorageImage&) = delete;
    StorageImage& operator=(const StorageImage&) = delete;

    std::uint32_t sector_size() const { return sector_size_; }
    std::uint64_t total_sectors() const { return total_sectors_; }

    // Byte-addressed I/O within the image; throws UsageError past the end.
    void read_bytes(std::uint64_t offset, std::span<std::uint8_t> out) const;
    void write_bytes(std::uint64_t offset, ByteView data);
    void fill(std::uint64_t offset, std::uint64_t length, std::uint8_t value);

    void read(std::uint64_t sector, std::span<std::uint8_t> out) const {
        read_bytes(sector * sector_size_, out);
    }
    void write(std::uint64_t sector, ByteView data) { write_bytes(sector * sector_size_, data); }
    void erase(std::uint64_t sector, std::uint64_t count, std::uint8_t fill_value) {
        fill(sector * sector_size_, count * sector_size_, fill_value);
    }
    void sync();

  private:
    void check(std::uint64_t offset, std::uint64_t length) const;
    // The erased marks of sectors [first, first + count).
    Bytes marks(std::uint64_t first, std::uint64_t count) const;
    void set_marks(std::uint64_t first, std::uint64_t count, bool erased);
    // Before [offset, offset+length) changes (m: its sectors' marks): a marked sector the range
    // covers only in part gets its 0xFF written out, so the rest of it still reads 0xFF once
    // its mark is cleared.
    void materialize_edges(std::uint64_t offset, std::uint64_t length, const Bytes& m);
    // Runs write() on [offset, offset+length) and clears the marks of the sectors it touched.
    void change(std::uint64_t offset, std::uint64_t length, const std::function<void()>& write);
    void raw_write(std::uint64_t offset, ByteView data);
    void raw_fill(std::uint64_t offset, std::uint64_t length, std::uint8_t value);

    int fd_;
    int erased_fd_;
    std::uint32_t sector_size_;
    std::uint64_t total_sectors_;
};

}  // namespace cr::sim
