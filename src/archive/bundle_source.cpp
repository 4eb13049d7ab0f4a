#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/archive/bundle_format.hpp"
#include "src/util/error.hpp"

namespace cr::archive::detail {
namespace {

class FileSource : public Source {
  public:
    explicit FileSource(const std::filesystem::path& file) : name_(file.string()) {
        fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            if (errno == ENOENT)
                throw NotFoundError(fmt::format("backup bundle {} does not exist", name_), {},
                                    "check the path (cellrescue backups list shows the store)");
            throw IoError(fmt::format("cannot open {}: {}", name_, std::strerror(errno)));
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd_);
            throw IoError(fmt::format("{} is not a regular file", name_));
        }
        size_ = static_cast<std::uint64_t>(st.st_size);
    }
    ~FileSource() override { ::close(fd_); }
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;

    std::uint64_t size() const override { return size_; }
    void read_at(std::uint64_t offset, std::span<std::uint8_t> out) const override {
        std::size_t done = 0;
        while (done < out.size()) {
            ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                                static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                throw IoError(fmt::format("reading {} failed: {}", name_, std::strerror(errno)));
            if (n == 0) throw DecodeError(fmt::format("{} is truncated", name_));
            done += static_cast<std::size_t>(n);
        }
    }

  private:
    std::string name_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

class MemorySource : public Source {
  public:
    explicit MemorySource(Bytes data) : data_(std::move(data)) {}
    std::uint64_t size() const override { return data_.size(); }
    void read_at(std::uint64_t offset, std::span<std::uint8_t> out) const override {
        if (offset > data_.size() || out.size() > data_.size() - offset)
            throw DecodeError("bundle data is truncated");
        std::memcpy(out.data(), data_.data() + offset, out.size());
    }

  private:
    Bytes data_;
};

}  // namespace

Bytes header_bytes() {
    ByteWriter w;
    w.bytes(kHeaderMagic).u32(kFormatVersion).u32(0);
    return w.take();
}

Bytes trailer_prefix(std::uint64_t manifest_offset, std::uint64_t manifest_length) {
    ByteWriter w;
    w.bytes(kTrailerMagic).u64(manifest_offset).u64(manifest_length);
    return w.take();
}

std::shared_ptr<Source> file_source(const std::filesystem::path& file) {
    return std::make_shared<FileSource>(file);
}
std::shared_ptr<Source> memory_source(Bytes data) {
    return std::make_shared<MemorySource>(std::move(data));
}

}  // namespace cr::archive::detail
