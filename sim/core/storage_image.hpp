// A virtual module's flash: one sparse file per LUN, addressed in sectors. Thread-safe
// (positional I/O only). NAND bad-block handling lives in the Firehose target, not here.
#pragma once
#include <cstdint>
#include <filesystem>
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
    int fd_;
    std::uint32_t sector_size_;
    std::uint64_t total_sectors_;
};

}  // namespace cr::sim
