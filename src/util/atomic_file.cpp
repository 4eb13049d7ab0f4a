#include "src/util/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "src/util/error.hpp"
#include "src/util/temp_file.hpp"

namespace cr {
namespace {

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

std::string errno_text() {
    return std::strerror(errno);
}

void write_all(int fd, ByteView data, const std::filesystem::path& name) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw IoError(fmt::format("writing {} failed: {}", name.string(), errno_text()));
        data = data.subspan(static_cast<std::size_t>(n));
    }
}

}  // namespace

void write_file_atomically(const std::filesystem::path& target,
                           const std::function<void(const ByteSink&)>& produce) {
    auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::filesystem::create_directories(dir);
    LockedTemp tmp(target, 0644);  // locked until renamed, so a store clean-up leaves it alone
    try {
        produce([&](ByteView chunk) { write_all(tmp.fd(), chunk, tmp.path()); });
        if (::fsync(tmp.fd()) != 0)
            throw IoError(fmt::format("fsync {} failed: {}", tmp.path().string(), errno_text()));
        std::filesystem::rename(tmp.path(), target);
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(tmp.path(), ignored);
        throw;
    }
    tmp.close();
    Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd.get() >= 0) ::fsync(dfd.get());
}

void write_file_atomically(const std::filesystem::path& target, ByteView content) {
    write_file_atomically(target, [&](const ByteSink& sink) { sink(content); });
}

Bytes read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        if (!std::filesystem::exists(file))
            throw NotFoundError(fmt::format("{} does not exist", file.string()));
        throw IoError(fmt::format("cannot open {}", file.string()));
    }
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace cr
