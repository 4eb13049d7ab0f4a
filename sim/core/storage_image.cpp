#include "sim/core/storage_image.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <vector>

#include "src/util/error.hpp"

namespace cr::sim {
namespace {

constexpr std::uint8_t kErased = 0xFF;

int open_sized(const std::filesystem::path& file, std::uint64_t size, const char* what) {
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw IoError(fmt::format("cannot open virtual storage {} {}: {}", what, file.string(),
                                  std::strerror(errno)));
    // Sparse: only written regions take disk space.
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
        int e = errno;
        ::close(fd);
        throw IoError(fmt::format("cannot size virtual storage {} {}: {}", what, file.string(),
                                  std::strerror(e)));
    }
    return fd;
}

void pread_all(int fd, std::uint64_t offset, std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t n =
            ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw IoError(
                fmt::format("virtual storage read failed: {}",
                            n == 0 ? "file shorter than the image" : std::strerror(errno)));
        done += static_cast<std::size_t>(n);
    }
}

void pwrite_all(int fd, std::uint64_t offset, ByteView data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n =
            ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw IoError(fmt::format("virtual storage write failed: {}", std::strerror(errno)));
        done += static_cast<std::size_t>(n);
    }
}

bool punch(int fd, std::uint64_t offset, std::uint64_t length) {
    return ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                       static_cast<off_t>(length)) == 0;
}

}  // namespace

StorageImage::StorageImage(const std::filesystem::path& file, std::uint32_t sector_size,
                           std::uint64_t total_sectors)
    : sector_size_(sector_size), total_sectors_(total_sectors) {
    fd_ = open_sized(file, static_cast<std::uint64_t>(sector_size) * total_sectors, "image");
    try {
        std::filesystem::path marks = file;
        marks += ".erased";
        erased_fd_ = open_sized(marks, total_sectors, "erase map");
    } catch (...) {
        ::close(fd_);
        throw;
    }
}

StorageImage::~StorageImage() {
    ::close(erased_fd_);
    ::close(fd_);
}

void StorageImage::check(std::uint64_t offset, std::uint64_t length) const {
    std::uint64_t size = static_cast<std::uint64_t>(sector_size_) * total_sectors_;
    if (offset > size || length > size - offset)
        throw UsageError(
            fmt::format("access at byte {} (+{}) is past the end of the {}-byte "
                        "virtual storage",
                        offset, length, size));
}

Bytes StorageImage::marks(std::uint64_t first, std::uint64_t count) const {
    Bytes out(count);
    pread_all(erased_fd_, first, out);
    return out;
}

void StorageImage::set_marks(std::uint64_t first, std::uint64_t count, bool erased) {
    if (count == 0) return;
    if (!erased && punch(erased_fd_, first, count)) return;
    std::vector<std::uint8_t> value(std::min<std::uint64_t>(count, 1 << 20), erased ? 1 : 0);
    for (std::uint64_t done = 0; done < count;) {
        std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(count - done, value.size()));
        pwrite_all(erased_fd_, first + done, ByteView(value.data(), n));
        done += n;
    }
}

void StorageImage::read_bytes(std::uint64_t offset, std::span<std::uint8_t> out) const {
    check(offset, out.size());
    if (out.empty()) return;
    std::uint64_t first = offset / sector_size_;
    std::uint64_t last = (offset + out.size() - 1) / sector_size_;
    Bytes m = marks(first, last - first + 1);
    // Runs of equal marks: erased runs are 0xFF without touching the image.
    std::uint64_t pos = offset, end = offset + out.size();
    for (std::size_t i = 0; i < m.size();) {
        std::size_t j = i;
        while (j < m.size() && (m[j] != 0) == (m[i] != 0)) ++j;
        std::uint64_t run_end = std::min<std::uint64_t>(end, (first + j) * sector_size_);
        auto part = out.subspan(pos - offset, run_end - pos);
        if (m[i])
            std::memset(part.data(), kErased, part.size());
        else
            pread_all(fd_, pos, part);
        pos = run_end;
        i = j;
    }
}

void StorageImage::materialize_edges(std::uint64_t offset, std::uint64_t length, const Bytes& m) {
    std::uint64_t first = offset / sector_size_;
    auto edge = [&](std::size_t i) {
        std::uint64_t sector = first + i;
        bool whole =
            offset <= sector * sector_size_ && offset + length >= (sector + 1) * sector_size_;
        if (!whole && m[i]) raw_fill(sector * sector_size_, sector_size_, kErased);
    };
    edge(0);
    if (m.size() > 1) edge(m.size() - 1);
}

void StorageImage::raw_write(std::uint64_t offset, ByteView data) {
    pwrite_all(fd_, offset, data);
}

void StorageImage::raw_fill(std::uint64_t offset, std::uint64_t length, std::uint8_t value) {
    if (value == 0 && punch(fd_, offset, length)) return;  // zeros: a hole keeps the file sparse
    std::vector<std::uint8_t> block(std::min<std::uint64_t>(length, 1 << 20), value);
    while (length > 0) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length, block.size()));
        raw_write(offset, ByteView(block.data(), n));
        offset += n;
        length -= n;
    }
}

void StorageImage::change(std::uint64_t offset, std::uint64_t length,
                          const std::function<void()>& write) {
    std::uint64_t first = offset / sector_size_;
    Bytes m = marks(first, (offset + length - 1) / sector_size_ - first + 1);
    bool any = std::any_of(m.begin(), m.end(), [](std::uint8_t b) { return b != 0; });
    if (any) materialize_edges(offset, length, m);
    write();
    // Data first, marks after: a reader in between sees the sector still erased, never zeros.
    if (any) set_marks(first, m.size(), false);
}

void StorageImage::write_bytes(std::uint64_t offset, ByteView data) {
    check(offset, data.size());
    if (data.empty()) return;
    change(offset, data.size(), [&] { raw_write(offset, data); });
}

void StorageImage::fill(std::uint64_t offset, std::uint64_t length, std::uint8_t value) {
    check(offset, length);
    if (length == 0) return;
    std::uint64_t end = offset + length;
    std::uint64_t whole_first = (offset + sector_size_ - 1) / sector_size_;
    std::uint64_t whole_end = end / sector_size_;
    if (value != kErased || whole_first >= whole_end) {
        change(offset, length, [&] { raw_fill(offset, length, value); });
        return;
    }
    // 0xFF over whole sectors: mark them (then their data is dead and punched out); the partial
    // sectors at either end, if any, are written.
    if (offset < whole_first * sector_size_)
        write_bytes(offset, Bytes(whole_first * sector_size_ - offset, kErased));
    set_marks(whole_first, whole_end - whole_first, true);
    punch(fd_, whole_first * sector_size_, (whole_end - whole_first) * sector_size_);
    if (whole_end * sector_size_ < end)
        write_bytes(whole_end * sector_size_, Bytes(end - whole_end * sector_size_, kErased));
}

void StorageImage::sync() {
    ::fdatasync(fd_);
    ::fdatasync(erased_fd_);
}

}  // namespace cr::sim
