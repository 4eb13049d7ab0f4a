#include "sim/core/storage_image.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "src/util/error.hpp"

namespace cr::sim {

StorageImage::StorageImage(const std::filesystem::path& file, std::uint32_t sector_size,
                           std::uint64_t total_sectors)
    : sector_size_(sector_size), total_sectors_(total_sectors) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw IoError(fmt::format("cannot open virtual storage {}: {}", file.string(),
                                  std::strerror(errno)));
    // Sparse: only written regions take disk space.
    if (::ftruncate(fd_, static_cast<off_t>(sector_size * total_sectors)) != 0)
        throw IoError(fmt::format("cannot size virtual storage {}: {}", file.string(),
                                  std::strerror(errno)));
}

StorageImage::~StorageImage() { ::close(fd_); }

void StorageImage::check(std::uint64_t offset, std::uint64_t length) const {
    std::uint64_t size = static_cast<std::uint64_t>(sector_size_) * total_sectors_;
    if (offset > size || length > size - offset)
        throw UsageError(fmt::format("access at byte {} (+{}) is past the end of the {}-byte "
                                     "virtual storage",
                                     offset, length, size));
}

void StorageImage::read_bytes(std::uint64_t offset, std::span<std::uint8_t> out) const {
    check(offset, out.size());
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                            static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw IoError(fmt::format("virtual storage read failed: {}", std::strerror(errno)));
        done += static_cast<std::size_t>(n);
    }
}

void StorageImage::write_bytes(std::uint64_t offset, ByteView data) {
    check(offset, data.size());
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done,
                             static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw IoError(fmt::format("virtual storage write failed: {}", std::strerror(errno)));
        done += static_cast<std::size_t>(n);
    }
}

void StorageImage::fill(std::uint64_t offset, std::uint64_t length, std::uint8_t value) {
    check(offset, length);
    if (value == 0) {  // zero fill: punch a hole so erased space stays sparse
        if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                        static_cast<off_t>(offset), static_cast<off_t>(length)) == 0)
            return;
    }
    std::vector<std::uint8_t> block(std::min<std::uint64_t>(length, 1 << 20), value);
    while (length > 0) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length, block.size()));
        write_bytes(offset, ByteView(block.data(), n));
        offset += n;
        length -= n;
    }
}

void StorageImage::sync() { ::fdatasync(fd_); }

}  // namespace cr::sim
