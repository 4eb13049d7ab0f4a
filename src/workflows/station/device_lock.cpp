#include "src/workflows/station/device_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "src/util/error.hpp"

namespace cr::workflows {

std::string device_lock_key(const std::string& name) {
    std::string key;
    std::string_view rest = name;
    if (rest.starts_with("usb:")) {
        key = "usb-";
        rest.remove_prefix(4);
    } else if (rest.starts_with("sim:")) {
        key = "sim-";
        rest.remove_prefix(4);
    } else if (rest.starts_with("/dev/")) {
        key = "dev-";
        rest.remove_prefix(5);
    } else {
        key = "dev-";
    }
    for (char c : rest) {
        bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
        key += safe ? c : '_';
    }
    return key;
}

std::filesystem::path default_lock_dir() {
    if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run && *run)
        return std::filesystem::path(run) / "cellrescue" / "locks";
    return std::filesystem::temp_directory_path() /
           fmt::format("cellrescue-{}", static_cast<unsigned>(::getuid())) / "locks";
}

std::filesystem::path default_lock_dir(const std::string& device_name,
                                       const std::filesystem::path& sim_dir) {
    if (device_name.starts_with("sim:") && !sim_dir.empty()) return sim_dir / "locks";
    return default_lock_dir();
}

DeviceLock::DeviceLock(const std::filesystem::path& dir, const std::string& device_name)
    : path_(dir / (device_lock_key(device_name) + ".lock")) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw IoError(fmt::format("cannot create the device lock {}: {}", path_.string(),
                                  std::strerror(errno)),
                      "untouched", "check that the lock directory is writable");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = {};
        ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
        std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
            holder.pop_back();
        ::close(fd_);
        fd_ = -1;
        throw SafetyError(
            fmt::format("{} is already being worked on (pid {} holds {})", device_name, holder,
                        path_.string()),
            "untouched by this worker: another one is driving it",
            "wait for the other job to finish; never flash one module from two workers");
    }
    std::string pid = fmt::format("{}\n", static_cast<long>(::getpid()));
    if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

DeviceLock::~DeviceLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock; the file stays (unlinking would race)
}

}  // namespace cr::workflows
