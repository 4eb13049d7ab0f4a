// Live status of many jobs: one line per device redrawn in place on a terminal, plain
// "device: status" lines otherwise (only when the stage changes or every 25 %). Thread-safe.
#pragma once
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace cr::cli {

class StatusBoard {
  public:
    StatusBoard(std::vector<std::string> names, bool terminal);
    void update(std::size_t index, const std::string& status);
    // Adds a device (station mode: modules arrive); returns its index.
    std::size_t add(const std::string& name);
    void finish();  // last redraw

  private:
    void redraw_locked();
    std::mutex mutex_;
    std::vector<std::string> names_, status_, printed_;
    bool terminal_;
    std::size_t drawn_lines_ = 0;
    std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace cr::cli
