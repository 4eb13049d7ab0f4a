// One worker per device: an exclusive, non-blocking flock on a lock file named after where the
// device sits (its USB port path, its sim id, its device node), so a module that re-enumerates
// (normal <-> EDL) keeps its lock and two workers (threads or processes) never drive one module.
#pragma once
#include <filesystem>
#include <string>

namespace cr::workflows {

// "usb-1-1.2", "sim-ec25_3", "dev-ttyUSB2": a file name for the device `-d` names.
std::string device_lock_key(const std::string& device_name);

// $XDG_RUNTIME_DIR/cellrescue/locks, else <tmp>/cellrescue-<uid>/locks.
std::filesystem::path default_lock_dir();

// Where `device_name`'s lock lives when no --lock-dir is given: a virtual module is its state
// under `sim_dir`, so "sim:rm520n" in two sim dirs is two modules and locks in <sim_dir>/locks;
// every other device locks in default_lock_dir().
std::filesystem::path default_lock_dir(const std::string& device_name,
                                       const std::filesystem::path& sim_dir);

class DeviceLock {
  public:
    // Throws SafetyError when another worker holds it (naming its pid), IoError when the lock
    // file cannot be made.
    DeviceLock(const std::filesystem::path& dir, const std::string& device_name);
    ~DeviceLock();
    DeviceLock(const DeviceLock&) = delete;
    DeviceLock& operator=(const DeviceLock&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
    int fd_ = -1;
};

}  // namespace cr::workflows
