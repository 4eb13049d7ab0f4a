// Benchmark: calibration backup and restore of the virtual module's full EFS over a pty with
// 1 ms added round-trip latency (the virtual DIAG port serves the pty master and takes every
// host->module chunk 1 ms after it arrived: DelayedPort). Prints wall time, round trips and bytes,
// and checks the budgets of issue 4: round trips <= files x 3 + bytes / 1024, wall <= 1.3 x round
// trips x 1 ms. Exit status 1 when a budget is exceeded.
#include <fmt/format.h>
#include <pty.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "nv/calibration.hpp"
#include "sim/core/line_timing.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/ports.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/workflows/backup.hpp"
#include "src/workflows/restore.hpp"

namespace {

using namespace cr;
using Clock = std::chrono::steady_clock;
constexpr auto kLatency = std::chrono::microseconds(1000);

void make_raw(int fd) {
    termios t{};
    tcgetattr(fd, &t);
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
}

// The module's end of the pty as the virtual DIAG port sees it: every host->module chunk is
// handed over kLatency after it arrived; replies go out at once. One thread (the port's), so
// the link adds the latency and the pty's own hops, not extra thread hand-offs. Bytes are
// stamped when the port reads them; like a USB device controller that receives whatever its
// CPU is doing, the port keeps polling for a short while after the line last moved, so a
// request is stamped when it arrives rather than when a sleeping thread wakes up.
class DelayedPort : public Transport {
  public:
    explicit DelayedPort(Transport& pty_master) : inner_(pty_master) {}

    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        if (pending_offset_ == pending_size_) {
            if (!receive(timeout)) return 0;
        }
        sim::wait_precisely_until(due_, std::chrono::microseconds(150));
        std::size_t n = std::min(buf.size(), pending_size_ - pending_offset_);
        std::copy_n(pending_.begin() + static_cast<std::ptrdiff_t>(pending_offset_), n,
                    buf.begin());
        pending_offset_ += n;
        return n;
    }
    void write(ByteView data, Millis timeout) override {
        inner_.write(data, timeout);
        last_activity_ = Clock::now();
    }
    std::size_t max_transfer_size() const override { return inner_.max_transfer_size(); }
    void close() override { inner_.close(); }
    std::string description() const override { return "pty DIAG (1 ms)"; }

  private:
    static constexpr auto kActiveWindow = std::chrono::microseconds(300);

    bool receive(Millis timeout) {
        pending_offset_ = 0;
        std::size_t n =
            sim::read_listening(inner_, pending_, timeout, last_activity_ + kActiveWindow);
        pending_size_ = n;
        due_ = Clock::now() + kLatency;
        last_activity_ = Clock::now();
        return n > 0;
    }
    Transport& inner_;
    Bytes pending_ = Bytes(65536);
    std::size_t pending_size_ = 0;
    std::size_t pending_offset_ = 0;
    Clock::time_point due_{};
    Clock::time_point last_activity_{};
};

struct Figures {
    double seconds = 0;
    workflows::DiagTraffic traffic;
};

bool check(const char* what, const Figures& f, std::size_t files, std::uint64_t bytes) {
    double budget_rt = static_cast<double>(files) * 3 + static_cast<double>(bytes) / 1024;
    double budget_s = 1.3 * static_cast<double>(f.traffic.round_trips) * 0.001;
    bool ok_rt = static_cast<double>(f.traffic.round_trips) <= budget_rt;
    bool ok_s = f.seconds <= budget_s;
    fmt::print(
        "{:8} wall {:7.2f} s  round trips {:6} (budget {:.0f}: {})  bytes {:9}  "
        "wall budget {:.2f} s: {}\n",
        what, f.seconds, f.traffic.round_trips, budget_rt, ok_rt ? "ok" : "OVER", f.traffic.bytes,
        budget_s, ok_s ? "ok" : "OVER");
    return ok_rt && ok_s;
}

}  // namespace

int run();

int main() {
    try {
        return run();
    } catch (const std::exception& e) {
        fmt::print(stderr, "bench_calibration: {}\n", e.what());
        return 2;
    }
}

int run() {
    spdlog::set_level(spdlog::level::warn);
    auto dir = std::filesystem::temp_directory_path() / fmt::format("cr_bench_cal_{}", getpid());
    std::filesystem::create_directories(dir);
    auto module = sim::VirtualModule::open(dir, "rm520n");
    sim::apply_state(*module, "healthy", {});

    int master = -1, slave = -1;
    if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
        fmt::print(stderr, "openpty failed\n");
        return 2;
    }
    make_raw(master);
    make_raw(slave);
    StreamTransport master_port(master, dup(master), "pty master");
    DelayedPort module_port(master_port);
    std::jthread server([&](std::stop_token st) {
        try {
            sim::serve_diag(*module, module_port, st);
        } catch (const std::exception& e) {
            spdlog::debug("virtual DIAG stopped: {}", e.what());
        }
    });
    bool ok = true;
    {
        StreamTransport pty(slave, dup(slave), "pty DIAG");

        Figures b;
        auto t0 = Clock::now();
        nv::Calibration cal = workflows::read_calibration(pty, {}, &b.traffic);
        b.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        std::size_t files = nv::efs_file_count(cal);
        std::uint64_t bytes = nv::efs_byte_count(cal);
        fmt::print(
            "virtual rm520n EFS: {} files, {} bytes, {} NV items; latency 1 ms per round "
            "trip\n",
            files, bytes, nv::nv_item_count(cal));
        ok &= check("backup", b, files, bytes);
        std::fflush(stdout);

        Figures r;
        workflows::RestoreOptions options;
        options.reset_after = false;
        t0 = Clock::now();
        workflows::RestoreReport report = workflows::restore_over(pty, cal, options);
        r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        r.traffic = report.traffic;
        ok &= check("restore", r, files, bytes);
        if (!report.verified()) {
            fmt::print("restore read-back found {} differences\n", report.differences.size());
            ok = false;
        }
        pty.close();
    }
    server.request_stop();
    server.join();
    std::filesystem::remove_all(dir);
    return ok ? 0 : 1;
}
