// Flashes a generated RM520N package (virtual UFS, socketpair transport, in-process target)
// and prints MB/s per partition, host+target CPU seconds per GiB and peak RSS.
// Usage: bench_flash_package [MiB per image, default 32] [model, default rm520n]
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "src/device/device.hpp"
#include "src/package/sim_firmware.hpp"
#include "src/workflows/flash/flash_edl.hpp"

namespace fs = std::filesystem;
using namespace cr;

namespace {
double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
long peak_rss_kib() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}
}  // namespace

int main(int argc, char** argv) {
    std::size_t mib = argc > 1 ? std::stoul(argv[1]) : 32;
    std::string model = argc > 2 ? argv[2] : "rm520n";
    std::string tmpl = (fs::temp_directory_path() / "cr-bench-flash-XXXXXX").string();
    fs::path root = ::mkdtemp(tmpl.data());
    try {
        package::SimFirmwareOptions o;
        o.image_bytes = mib << 20;
        package::make_sim_firmware(sim::require_model(model), root / "pkg", o);
        auto m = sim::VirtualModule::open(root / "sim", model);
        sim::apply_state(*m, "edl", {});
        auto dev = open_device(parse_device_spec("sim:" + model), {root / "sim"});
        workflows::FlashOptions fo;
        fo.package = root / "pkg";
        fo.backup_dir = root / "backups";
        fo.programmer_dir = root / "programmers";
        fo.reset = false;
        double cpu0 = cpu_seconds();
        auto t0 = std::chrono::steady_clock::now();
        auto report = workflows::flash_package(*dev, fo);
        double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double cpu = cpu_seconds() - cpu0;
        std::printf(
            "bench_flash_package: %s package, %zu MiB max per image, virtual module over "
            "socketpairs (host and target in one process)\n",
            model.c_str(), mib);
        for (const auto& t : report.timings)
            if (t.action == "program" && t.bytes >= (1u << 20))
                std::printf("  program %-10s %8.1f MiB %7.3f s %8.1f MB/s\n", t.label.c_str(),
                            t.bytes / 1048576.0, t.seconds, t.mb_per_s);
        double gib = report.total_bytes / 1073741824.0;
        std::printf(
            "  total %.1f MiB in %.2f s wall (%.1f MB/s incl. programmer upload and "
            "erases); CPU %.2f s = %.2f s/GiB (host+target); peak RSS %ld KiB\n",
            report.total_bytes / 1048576.0, wall, report.total_bytes / wall / 1e6, cpu,
            gib > 0 ? cpu / gib : 0.0, peak_rss_kib());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_flash_package failed: %s\n", e.what());
        fs::remove_all(root);
        return 1;
    }
    fs::remove_all(root);
    return 0;
}
