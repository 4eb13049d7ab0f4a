// Programmer upload through a socketpair: our Sahara client against the virtual Sahara target
// (1 MiB programmer, v2 READ_DATA and v3 READ_DATA_64). Prints MB/s, round trips and host CPU
// time (getrusage: both ends run in this process, so CPU covers host and target together).
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <thread>

#include "protocols/sahara/sahara_client.hpp"
#include "sim/edl/sahara_target.hpp"
#include "src/transport/stream_transport.hpp"

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto tv = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return tv(u.ru_utime) + tv(u.ru_stime);
}

struct Run {
    double seconds = 0, cpu = 0;
    std::uint32_t requests = 0;
};

Run upload_once(std::uint32_t version, const cr::Bytes& programmer,
                const cr::sim::SaharaTargetConfig& base) {
    auto cfg = base;
    cfg.version = version;
    auto [host, device] = cr::make_socket_pair("bench");
    std::jthread target([&, dev = device.get()](std::stop_token stop) {
        try {
            cr::sim::serve_sahara(cfg, *dev, stop);
        } catch (const std::exception&) {
        }
    });
    double cpu0 = cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    cr::sahara::Client client(*host);
    client.wait_hello();
    auto r = client.upload_image(programmer);
    Run run;
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    run.cpu = cpu_seconds() - cpu0;
    run.requests = r.requests;
    target.request_stop();
    host->shutdown_write();
    return run;
}

}  // namespace

int main() {
    cr::sim::SaharaTargetConfig cfg;
    cfg.identity = {0x001990e1, std::string(64, 'e'), "rm520n"};
    const std::size_t size = 1 << 20;
    cr::Bytes programmer = cr::sim::make_virtual_programmer(cfg.identity, size);
    const int rounds = 20;
    for (std::uint32_t version : {2u, 3u}) {
        upload_once(version, programmer, cfg);  // warm-up
        double best = 1e9, cpu = 0;
        std::uint32_t requests = 0;
        for (int i = 0; i < rounds; ++i) {
            Run r = upload_once(version, programmer, cfg);
            best = std::min(best, r.seconds);
            cpu += r.cpu;
            requests = r.requests;
        }
        fmt::print(
            "sahara upload 1 MiB, socketpair, v{} ({}): best {:.2f} ms = {:.0f} MB/s, {} "
            "round trips, host+target CPU {:.2f} ms per upload\n",
            version, version >= 3 ? "READ_DATA_64" : "READ_DATA", best * 1e3, size / best / 1e6,
            requests, cpu / rounds * 1e3);
    }
    return 0;
}
