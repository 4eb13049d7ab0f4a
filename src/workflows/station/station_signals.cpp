#include "src/workflows/station/station_signals.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

#include "src/util/error.hpp"

namespace cr::workflows {

StopSignals::StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (event_fd_ < 0) throw IoError("eventfd failed", "no module was touched", "");
    ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
    signal_fd_ = ::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd_ < 0) {
        ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
        ::close(event_fd_);
        throw IoError("signalfd failed", "no module was touched", "");
    }
}

StopSignals::~StopSignals() {
    // Signals that came after the last wait are dropped: unblocking them would kill the process.
    timespec zero{};
    while (::sigtimedwait(&set_, nullptr, &zero) > 0) {
    }
    ::close(signal_fd_);
    ::close(event_fd_);
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

std::optional<std::string> StopSignals::wait(std::chrono::milliseconds timeout, int wake_fd) {
    pollfd fds[3] = {{signal_fd_, POLLIN, 0}, {event_fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int n = ::poll(fds, wake_fd >= 0 ? 3 : 2, static_cast<int>(timeout.count()));
    if (n <= 0) return std::nullopt;  // timeout, or EINTR: look again next round
    if (fds[0].revents & POLLIN) {
        signalfd_siginfo info{};
        if (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
            return info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
    }
    if (fds[1].revents & POLLIN) {
        std::uint64_t v = 0;
        if (::read(event_fd_, &v, sizeof v) == static_cast<ssize_t>(sizeof v)) return "request";
    }
    return std::nullopt;
}

void StopSignals::request() {
    std::uint64_t one = 1;
    (void)!::write(event_fd_, &one, sizeof one);
}

}  // namespace cr::workflows
