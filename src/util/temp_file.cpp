#include "src/util/temp_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <random>

#include "src/util/error.hpp"

namespace cr {
namespace {

bool same_file(int fd, const std::filesystem::path& path) {
    struct stat by_fd {};
    struct stat by_path {};
    if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_path) != 0) return false;
    return by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

}  // namespace

LockedTemp::LockedTemp(const std::filesystem::path& target, unsigned mode) {
    auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::random_device random;
    // A cleaner may win the lock between our open() and flock() and remove the new file; we
    // then hold a lock on an unlinked file, notice it and try another name.
    for (int attempt = 0; attempt < 16; ++attempt) {
        path_ = dir / fmt::format(".{}.tmp{}", target.filename().string(), random());
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd_ < 0 && errno == EEXIST) continue;
        if (fd_ < 0)
            throw IoError(fmt::format("cannot create {}: {}", path_.string(), std::strerror(errno)),
                          {}, "check that the directory is writable and has space");
        while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
        }
        if (same_file(fd_, path_)) return;
        close();
    }
    throw IoError(fmt::format("cannot create a temporary file in {}", dir.string()), {},
                  "another program keeps removing files there; check the directory");
}

LockedTemp::~LockedTemp() {
    close();
}

void LockedTemp::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool is_temp_name(std::string_view name) {
    auto at = name.rfind(".tmp");
    if (name.size() < 6 || name.front() != '.' || at == std::string_view::npos || at == 0)
        return false;
    auto digits = name.substr(at + 4);
    if (digits.empty()) return false;
    for (char c : digits)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

TempState probe_temp(const std::filesystem::path& temp, bool remove) {
    int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    // Not ours to open (another user's, or a link): report it, never guess it away.
    if (fd < 0) return errno == ENOENT ? TempState::gone : TempState::orphaned;
    TempState state = TempState::in_use;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        state = TempState::orphaned;
        // Remove only the very file we locked: a new writer may have reused the name.
        if (remove && same_file(fd, temp) && ::unlink(temp.c_str()) == 0)
            state = TempState::removed;
    }
    ::close(fd);
    return state;
}

}  // namespace cr
