// Firehose throughput through a socketpair to the virtual UFS module (qcs6490-ufs, LUN 0 of
// 256 MiB): program and read back 128 MiB at the start of `userdata` (sha256 checked), then flash
// a 224 MiB image (`userdata` rounded down to 16 MiB) streamed from a file. The partitions come
// from the catalogue. The sizes are what LUN 0 holds (they were 256 MiB and 1 GiB when the bench
// ran on a UFS RM520N; the RM520N is NAND now). Prints MB/s,
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
#include <stdexcept>
#include <thread>

#include "protocols/firehose/firehose_client.hpp"
#include "sim/core/model_catalog.hpp"
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
    std::printf("%-40s %8.1f MiB  %7.2f s  %8.1f MB/s  host CPU %.3f s/GiB\n", what,
                bytes / double(1 << 20), f.seconds, bytes / f.seconds / 1e6, f.cpu / gib);
}

firehose::Region region_of(const sim::PartitionSpec& part, std::uint64_t bytes) {
    return firehose::Region::sectors(4096, part.lun, part.start_sector, bytes / 4096, part.name);
}

void program_file(firehose::FirehoseClient& client, const fs::path& file,
                  const sim::PartitionSpec& part) {
    std::uint64_t size = fs::file_size(file);
    std::ifstream in(file, std::ios::binary);
    client.program(region_of(part, size), size, [&](std::span<std::uint8_t> out) {
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
        auto module = sim::VirtualModule::open(dir / "sim", "qcs6490-ufs");
        const sim::PartitionSpec* userdata = sim::find_partition(module->model(), "userdata");
        if (!userdata || userdata->lun != 0) throw std::runtime_error("no userdata on LUN 0");
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

        // Whole MiB: the images are written in 16 MiB patterns, so sizes are multiples of it.
        const std::uint64_t small = 128ull << 20;
        const std::uint64_t big = userdata->num_sectors * 4096 / (16 << 20) * (16 << 20);
        std::printf("qcs6490-ufs LUN 0: userdata at sector %llu, %llu sectors\n",
                    (unsigned long long)userdata->start_sector,
                    (unsigned long long)userdata->num_sectors);
        fs::path small_file = dir / "small.bin", big_file = dir / "userdata.img";
        std::string small_sha = make_image(small_file, small);
        make_image(big_file, big);

        print("program 128 MiB (userdata)", small,
              measure([&] { program_file(client, small_file, *userdata); }));
        std::uint64_t got = 0;
        print("read back 128 MiB (userdata)", small, measure([&] {
                  client.read(region_of(*userdata, small), [&](ByteView b) { got += b.size(); });
              }));
        std::string device_sha = client.sha256(region_of(*userdata, small));
        std::printf("read-back bytes %llu, device sha256 %s\n", (unsigned long long)got,
                    device_sha == small_sha ? "matches" : "DIFFERS");
        if (device_sha != small_sha || got != small) rc = 1;
        char label[64];
        std::snprintf(label, sizeof label, "program %llu MiB (userdata) from a file",
                      (unsigned long long)(big >> 20));
        print(label, big, measure([&] { program_file(client, big_file, *userdata); }));
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
