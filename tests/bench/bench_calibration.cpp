// Benchmark: calibration backup and restore of the virtual module's full EFS over a pty with
// 1 ms added round-trip latency (a relay thread between the pty and the virtual DIAG port holds
// every host->module chunk for 1 ms). Prints wall time, round trips and bytes, and checks the
// budgets of issue 4: round trips <= files x 3 + bytes / 1024, wall <= 1.3 x round trips x 1 ms.
// Exit status 1 when a budget is exceeded.
#include <fmt/format.h>
#include <pty.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "nv/calibration.hpp"
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

// pty master <-> virtual DIAG port, delaying host->module traffic by kLatency.
class LatencyRelay {
  public:
    LatencyRelay(int master, Transport& module_side) : master_(master), module_(module_side) {
        up_ = std::jthread([this](std::stop_token st) { upstream(st); });
        down_ = std::jthread([this](std::stop_token st) { downstream(st); });
    }
    ~LatencyRelay() {
        up_.request_stop();
        down_.request_stop();
    }

  private:
    void upstream(std::stop_token st) {
        Bytes buf(65536);
        while (!st.stop_requested()) {
            ssize_t n = ::read(master_, buf.data(), buf.size());
            if (n <= 0) return;
            std::this_thread::sleep_until(Clock::now() + kLatency);
            try {
                module_.write(ByteView(buf.data(), static_cast<std::size_t>(n)), Millis(5000));
            } catch (const std::exception&) {
                return;
            }
        }
    }
    void downstream(std::stop_token st) {
        Bytes buf(65536);
        while (!st.stop_requested()) {
            std::size_t n = 0;
            try {
                n = module_.read(buf, Millis(100));
            } catch (const std::exception&) {
                return;
            }
            for (std::size_t off = 0; off < n;) {
                ssize_t w = ::write(master_, buf.data() + off, n - off);
                if (w <= 0) return;
                off += static_cast<std::size_t>(w);
            }
        }
    }
    int master_;
    Transport& module_;
    std::jthread up_, down_;
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
    auto [host_end, module_end] = make_socket_pair("bench DIAG");
    std::jthread server([&, m = module_end.get()](std::stop_token st) {
        try {
            sim::serve_diag(*module, *m, st);
        } catch (const std::exception& e) {
            spdlog::debug("virtual DIAG stopped: {}", e.what());
        }
    });
    bool ok = true;
    {
        LatencyRelay relay(master, *host_end);
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
    host_end->close();
    ::close(master);
    server.join();
    std::filesystem::remove_all(dir);
    return ok ? 0 : 1;
}
