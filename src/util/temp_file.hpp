// Temporary files for crash-safe writes: `.<target name>.tmp<number>` beside the target, held
// under an exclusive flock(2) for as long as the writer lives. The kernel drops the lock when
// the writer dies (even by SIGKILL), so a temp file whose lock can be taken was left behind by
// a killed writer and may be removed, while one still locked belongs to a running write.
#pragma once
#include <filesystem>
#include <string_view>

namespace cr {

class LockedTemp {
  public:
    // Creates and locks a fresh temp file for `target` (mode before umask). Throws IoError.
    explicit LockedTemp(const std::filesystem::path& target, unsigned mode = 0600);
    ~LockedTemp();  // closes (and so unlocks); never removes: the writer decides
    LockedTemp(const LockedTemp&) = delete;
    LockedTemp& operator=(const LockedTemp&) = delete;

    const std::filesystem::path& path() const { return path_; }
    int fd() const { return fd_; }
    void close();  // releases the lock early (after rename or remove)

  private:
    std::filesystem::path path_;
    int fd_ = -1;
};

// True when `name` (a file name, no directory) has the shape LockedTemp gives.
bool is_temp_name(std::string_view name);

enum class TempState {
    in_use,    // a running writer holds it
    orphaned,  // left by a dead writer (or not ours to lock); still there
    removed,   // was orphaned and is now deleted
    gone,      // no such file (any more)
};
// Whether a writer still holds `temp`. With remove=true an orphaned one is deleted while the
// lock is held, so no writer can be using it in between.
TempState probe_temp(const std::filesystem::path& temp, bool remove);

}  // namespace cr
