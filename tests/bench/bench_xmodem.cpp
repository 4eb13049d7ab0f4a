// XMODEM-1K throughput over a paced serial link (PROTOCOLS.md §8; issue 6 "Performance").
// The receiver is the virtual u-blox module's: xmodem::receive over sim::ublox::PacedTransport,
// which delivers bytes no faster than the line rate (10 bits a byte). Senders: ours, and
// lrzsz's `sx -X -k` over the same kind of link (a socketpair, stdio of the sx process).
// Throughput is payload bytes per second between the first and the last accepted block;
// the protocol ceiling is baud/10 * 1024/1029. Prints PASS/FAIL against 97% of it; exit status
// 1 when a transfer failed, or (with --strict) when ours is below 97%.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <string>

#include "protocols/xmodem/xmodem.hpp"
#include "sim/ublox/paced_transport.hpp"
#include "src/transport/stream_transport.hpp"

using namespace cr;
using Clock = std::chrono::steady_clock;

namespace {

struct Measure {
    double bytes_per_s = 0;
    bool ok = false;
};

// Runs the paced receiver on `device`; returns steady-state payload throughput.
Measure receive_paced(Transport& device, std::uint32_t baud, std::size_t expect) {
    sim::ublox::PacedTransport paced(device, baud);
    xmodem::ReceiveOptions o;
    Clock::time_point first{}, last{};
    std::uint64_t blocks = 0;
    o.on_block = [&](ByteView) {
        last = Clock::now();
        if (blocks++ == 0) first = last;
    };
    auto r = xmodem::receive(paced, o);
    Measure m;
    double secs = std::chrono::duration<double>(last - first).count();
    m.bytes_per_s = secs > 0 ? static_cast<double>((blocks - 1) * 1024) / secs : 0;
    m.ok = r.data.size() >= expect;
    return m;
}

Measure ours(const Bytes& data, std::uint32_t baud) {
    auto [host, device] = make_socket_pair("bench");
    auto rx = std::async(std::launch::async,
                         [&, d = device.get()] { return receive_paced(*d, baud, data.size()); });
    xmodem::SendOptions so;
    so.one_k = true;
    xmodem::send(*host, data, so);
    return rx.get();
}

Measure lrzsz(const std::filesystem::path& file, std::size_t size, std::uint32_t baud) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return {};
    pid_t pid = fork();
    if (pid == 0) {
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        close(sv[0]);
        execlp("sx", "sx", "-X", "-k", "-q", file.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(sv[1]);
    StreamTransport device(sv[0], sv[0], "sx");
    Measure m;
    try {
        m = receive_paced(device, baud, size);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sx run failed: %s\n", e.what());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    const bool strict = argc > 1 && std::string(argv[1]) == "--strict";
    bool transfers_ok = true;
    std::mt19937 rng(7);
    bool pass = true;
    std::printf("XMODEM-1K over a paced link (virtual module receiver), payload throughput\n");
    std::printf("%-9s %-8s %10s %12s %12s %8s\n", "baud", "sender", "file", "ceiling B/s",
                "measured B/s", "of ceil");
    for (std::uint32_t baud : {921600u, 3000000u}) {
        std::size_t size = baud == 921600u ? 512 * 1024 : 1024 * 1024;
        Bytes data(size);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        auto file = std::filesystem::temp_directory_path() /
                    ("cr_bench_xmodem_" + std::to_string(getpid()) + ".bin");
        std::ofstream(file, std::ios::binary)
            .write(reinterpret_cast<const char*>(data.data()), static_cast<long>(size));
        double ceiling = baud / 10.0 * 1024.0 / 1029.0;
        Measure a = ours(data, baud);
        Measure b = lrzsz(file, size, baud);
        std::filesystem::remove(file);
        for (auto [name, m] : {std::pair{"ours", a}, std::pair{"lrzsz sx", b}})
            std::printf("%-9u %-8s %9zuK %12.0f %12.0f %7.2f%%%s\n", baud, name, size / 1024,
                        ceiling, m.bytes_per_s, 100.0 * m.bytes_per_s / ceiling,
                        m.ok ? "" : " (transfer failed)");
        if (!a.ok || a.bytes_per_s < 0.97 * ceiling) pass = false;
        transfers_ok = transfers_ok && a.ok && b.ok;
    }
    std::printf("%s: ours %s 97%% of the ceiling at both rates\n", pass ? "PASS" : "FAIL",
                pass ? "reaches" : "does NOT reach");
    return transfers_ok && (pass || !strict) ? 0 : 1;
}
