// SIGINT/SIGTERM for one object's lifetime, through a signalfd (no handler, no global): blocks
// them in the calling thread (threads it starts later inherit that), restores the old mask and
// drops what is pending at the end. Plus an eventfd, so another thread can ask for a stop too.
#pragma once
#include <signal.h>

#include <chrono>
#include <optional>
#include <string>

namespace cr::workflows {

class StopSignals {
  public:
    StopSignals();  // throws IoError
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    // Waits up to `timeout` for a signal or a request; returns "SIGTERM", "SIGINT", "request",
    // or nullopt when the time ran out or `wake_fd` (if >= 0: USB hotplug) became readable.
    std::optional<std::string> wait(std::chrono::milliseconds timeout, int wake_fd = -1);
    void request();  // thread-safe

  private:
    sigset_t set_{}, old_{};
    int signal_fd_ = -1, event_fd_ = -1;
};

}  // namespace cr::workflows
