// Firehose throughput through a socketpair to the virtual UFS target (rm520n): program and read
// back 256 MiB (`modem`), then flash a 1 GiB image (`system`) streamed from a file. Prints MB/s,
// host CPU seconds per GiB (getrusage of the host thread only; the virtual target runs on its
// own thread) and the process's peak RSS. Release build for figures:
//   cmake -B build-rel -DCMAKE_BUILD_TYPE=Release -DCELLRESCUE_BENCH=ON
//   ninja -C build-rel bench_firehose_socketpair && build-rel/tests/bench/bench_firehose_socketpair
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "protocols/firehose/firehose_client.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/firehose/firehose_target.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace {

namespace fs = std::filesystem;
using namespace cr;

double thread_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_THREAD, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long peak_rss_kib() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// A file of `bytes` pseudo-random bytes (a 16 MiB pattern repeated), and its SHA-256.
std::string make_image(const fs::path& file, std::uint64_t bytes) {
    std::mt19937_64 rng(42);
    Bytes pattern(16 << 20);
    for (std::size_t i = 0; i < pattern.size(); i += 8) {
        std::uint64_t v = rng();
        std::memcpy(pattern.data() + i, &v, 8);
    }
    Digest d(Digest::Algorithm::sha256);
    std::ofstream out(file, std::ios::binary);
    for (std::uint64_t done = 0; done < bytes; done += pattern.size()) {
        out.write(reinterpret_cast<const char*>(pattern.data()), pattern.size());
        d.update(pattern);
    }
    return d.finish_hex();
}

struct Figures {
    double seconds = 0;
    double cpu = 0;
};

template <typename F>
Figures measure(F&& f) {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = thread_cpu_seconds();
    f();
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
            thread_cpu_seconds() - c0};
}

void print(const char* what, std::uint64_t bytes, const Figures& f) {
    double gib = bytes / double(1ull << 30);
    std::printf("%-34s %8.1f MiB  %7.2f s  %8.1f MB/s  host CPU %.3f s/GiB\n", what,
                bytes / double(1 << 20), f.seconds, bytes / f.seconds / 1e6, f.cpu / gib);
}

void program_file(firehose::FirehoseClient& client, const fs::path& file, std::uint64_t start,
                  const char* label) {
    std::uint64_t size = fs::file_size(file);
    std::ifstream in(file, std::ios::binary);
    client.program(firehose::Region::sectors(4096, 0, start, size / 4096, label), size,
                   [&](std::span<std::uint8_t> out) {
                       in.read(reinterpret_cast<char*>(out.data()), out.size());
                       return static_cast<std::size_t>(in.gcount());
                   });
}

}  // namespace

int main() {
    fs::path dir = fs::temp_directory_path() / ("cr_bench_fh_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    int rc = 0;
    try {
        auto module = sim::VirtualModule::open(dir / "sim", "rm520n");
        module->update([](sim::ModuleState& s) {
            s.mode = sim::Mode::edl;
            s.firehose_running = false;
        });
        auto [host, device] = make_socket_pair("bench");
        std::jthread target([&, dev = device.get()](std::stop_token st) {
            try {
                sim::serve_firehose(*module, *dev, st);
            } catch (const DeviceGoneError&) {
            }
            dev->close();
        });
        firehose::FirehoseClient client(*host);
        client.configure(firehose::MemoryType::ufs);
        std::printf("payload %zu bytes per raw chunk\n", client.chunk_size(4096));

        const std::uint64_t small = 256ull << 20, big = 1ull << 30;
        const std::uint64_t modem = 19270, system = 91750;  // rm520n catalogue
        fs::path small_file = dir / "modem.bin", big_file = dir / "system.img";
        std::string small_sha = make_image(small_file, small);
        make_image(big_file, big);

        print("program 256 MiB (modem)", small,
              measure([&] { program_file(client, small_file, modem, "modem"); }));
        Digest back(Digest::Algorithm::sha256);
        std::uint64_t got = 0;
        print("read back 256 MiB (modem)", small, measure([&] {
                  client.read(firehose::Region::sectors(4096, 0, modem, small / 4096, "modem"),
                              [&](ByteView b) { got += b.size(); });
              }));
        std::string device_sha =
            client.sha256(firehose::Region::sectors(4096, 0, modem, small / 4096));
        std::printf("read-back bytes %llu, device sha256 %s\n", (unsigned long long)got,
                    device_sha == small_sha ? "matches" : "DIFFERS");
        if (device_sha != small_sha || got != small) rc = 1;
        print("program 1 GiB (system) from a file", big,
              measure([&] { program_file(client, big_file, system, "system"); }));
        std::printf("peak RSS %.1f MiB (whole process: host + virtual target)\n",
                    peak_rss_kib() / 1024.0);
        host->shutdown_write();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench failed: %s\n", e.what());
        rc = 1;
    }
    fs::remove_all(dir);
    return rc;
}
