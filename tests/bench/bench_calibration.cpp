// Benchmark: calibration backup and restore of the virtual module's full EFS over a pty with
// 1 ms added latency (the virtual DIAG port serves the pty master and takes every
// host->module chunk 1 ms after it arrived: DelayedPort). Prints wall time, round trips and bytes,
// and checks the budgets of issue 4: round trips <= files x 3 + bytes / 1024, wall <= 1.3 x round
// trips x 1 ms, with the default number of DIAG reads in flight; one request at a time is
// printed for comparison. Exit status 1 when a budget is exceeded.
#include <fmt/format.h>
#include <pty.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <thread>

#include "nv/calibration.hpp"
#include "sim/core/line_timing.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/ports.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/restore/restore.hpp"

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

// The module's end of the pty as the virtual DIAG port sees it: a link with kLatency one way.
// Every host->module chunk is stamped when it arrives and handed over kLatency later; chunks
// that arrive while an earlier one waits keep their own stamps (several requests can be on
// the way, as on a USB link); replies go out at once. One thread (the port's), so the link adds
// the latency and the pty's own hops, not extra thread hand-offs. Like a USB device controller
// that receives whatever its CPU is doing, the port polls while it waits and for a short while
// after the line last moved, so a request is stamped when it arrives, not when a thread wakes.
class DelayedPort : public Transport {
  public:
    explicit DelayedPort(Transport& pty_master) : inner_(pty_master) {}

    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        if (queue_.empty() && !receive(timeout)) return 0;
        wait_for_head();
        Chunk& head = queue_.front();
        std::size_t n = std::min(buf.size(), head.data.size() - head.used);
        std::copy_n(head.data.begin() + static_cast<std::ptrdiff_t>(head.used), n, buf.begin());
        head.used += n;
        if (head.used == head.data.size()) queue_.pop_front();
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
    static constexpr auto kPollStep = std::chrono::microseconds(50);
    struct Chunk {
        Bytes data;
        std::size_t used = 0;
        Clock::time_point due;
    };

    void stamp(std::size_t n) {
        queue_.push_back({Bytes(scratch_.begin(), scratch_.begin() + static_cast<long>(n)), 0,
                          Clock::now() + kLatency});
        last_activity_ = Clock::now();
    }
    bool receive(Millis timeout) {
        std::size_t n =
            sim::read_listening(inner_, scratch_, timeout, last_activity_ + kActiveWindow);
        if (n) stamp(n);
        return n > 0;
    }
    // Waits until the oldest chunk is due, taking (and stamping) what arrives meanwhile.
    void wait_for_head() {
        const auto due = queue_.front().due;
        const auto spin = std::chrono::microseconds(150);
        while (Clock::now() + kPollStep < due - spin) {
            if (std::size_t n = inner_.read(scratch_, Millis(0))) stamp(n);
            std::this_thread::sleep_for(kPollStep);
        }
        if (std::size_t n = inner_.read(scratch_, Millis(0))) stamp(n);
        sim::wait_precisely_until(due, spin);
    }
    Transport& inner_;
    Bytes scratch_ = Bytes(65536);
    std::deque<Chunk> queue_;
    Clock::time_point last_activity_{};
};

struct Figures {
    double seconds = 0;
    workflows::DiagTraffic traffic;
};

// Prints one row; true when both budgets are met.
bool check(const std::string& what, const Figures& f, std::size_t files, std::uint64_t bytes) {
    double budget_rt = static_cast<double>(files) * 3 + static_cast<double>(bytes) / 1024;
    double latency_s = static_cast<double>(f.traffic.round_trips) * 0.001;
    bool ok_rt = static_cast<double>(f.traffic.round_trips) <= budget_rt;
    bool ok_s = f.seconds <= 1.3 * latency_s;
    fmt::print(
        "{:28} wall {:5.2f} s = {:4.2f} x round trips x 1 ms (budget 1.3: {})  round trips {:5} "
        "(budget {:.0f}: {})  bytes {:8}\n",
        what, f.seconds, f.seconds / latency_s, ok_s ? "ok" : "OVER", f.traffic.round_trips,
        budget_rt, ok_rt ? "ok" : "OVER", f.traffic.bytes);
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
        // The default (reads in flight) is what users run and what the budgets judge; one
        // request at a time is printed for comparison.
        for (std::size_t pipeline : {diag::kDefaultPipeline, std::size_t{1}}) {
            const bool judged = pipeline == diag::kDefaultPipeline;
            const std::string how =
                fmt::format("{} in flight{}", pipeline, judged ? "" : " (info)");
            Figures b;
            auto t0 = Clock::now();
            nv::Calibration cal = workflows::read_calibration(pty, {}, &b.traffic, pipeline);
            b.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            std::size_t files = nv::efs_file_count(cal);
            std::uint64_t bytes = nv::efs_byte_count(cal);
            if (judged)
                fmt::print("virtual rm520n EFS: {} files, {} bytes, {} NV items; 1 ms latency\n",
                           files, bytes, nv::nv_item_count(cal));
            bool met = check("backup, " + how, b, files, bytes);
            std::fflush(stdout);

            Figures r;
            workflows::RestoreOptions options;
            options.reset_after = false;
            options.pipeline = pipeline;
            t0 = Clock::now();
            workflows::RestoreReport report = workflows::restore_over(pty, cal, options);
            r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            r.traffic = report.traffic;
            met &= check("restore, " + how, r, files, bytes);
            if (!report.verified()) {
                fmt::print("restore read-back found {} differences\n", report.differences.size());
                ok = false;
            }
            if (judged) ok &= met;
        }
        pty.close();
    }
    server.request_stop();
    server.join();
    std::filesystem::remove_all(dir);
    return ok ? 0 : 1;
}
