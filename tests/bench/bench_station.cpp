// A station flashing N virtual EC25 modules (NAND: 8 KiB Firehose payloads, socketpair
// transport, targets in this process) at once, against one module alone, with the virtual
// NAND's program rate as the bottleneck (sim/core/write_rate). Prints wall time, the ratio, and
// CPU: host CPU per module (the job's own thread: backup, flash, read-back) and the process total
// (host + virtual targets).
// Usage: bench_station [modules, default 8] [KiB per image, default 1024] [NAND MB/s, default 2;
//        0: unpaced, the host is the bottleneck] [transport: socketpair (default) | usb]
// usb: each module's EDL port is an emulated USB device (umockdev, one testbed, libusb on the
// host side); the bench re-executes itself under umockdev-wrapper for that.
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/core/write_rate.hpp"
#ifdef CR_HAVE_USB_HARNESS
#include "tests/usb/usb_harness.hpp"
#endif
#include "src/package/sim_firmware.hpp"
#include "src/workflows/station/flash_job.hpp"

namespace fs = std::filesystem;
using namespace cr;
using namespace cr::workflows;

namespace {

double cpu_seconds(int who) {
    rusage ru{};
    ::getrusage(who, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Round {
    double wall = 0, process_cpu = 0, host_cpu = 0;  // host_cpu: sum over the jobs' threads
    std::size_t ok = 0;
    std::uint64_t bytes = 0;
};

// usb: the testbed the modules' EDL ports go on (nullptr: socketpair); first_port numbers
// their hub ports (1-<first_port>, ...).
Round flash_round(const fs::path& root, const std::string& tag, std::size_t n,
                  std::optional<std::uint64_t> rate, void* usb, std::size_t first_port) {
    fs::path sim_dir = root / ("sim-" + tag);
    std::vector<std::string> names;
    for (std::size_t i = 1; i <= n; ++i) {
        std::string id = fmt::format("ec25#{}", i);
        auto m = sim::VirtualModule::open(sim_dir, id);
        sim::apply_state(*m, "edl", {});
        sim::set_write_rate(*m, rate);
        names.push_back("sim:" + id);
#ifdef CR_HAVE_USB_HARNESS
        if (usb) {
            std::string path = fmt::format("1-{}", first_port + i - 1);
            static_cast<usbtest::UsbTestbed*>(usb)->add_edl(m, path);
            names.back() = "usb:" + path;
        }
#else
        (void)first_port;
        if (usb) throw std::runtime_error("built without the USB harness (umockdev)");
#endif
    }
    JobOptions o;
    o.flash.package = root / "EC25EFAR06A06M4G";
    o.flash.backup_dir = root / ("backups-" + tag);
    o.flash.programmer_dir = root / "programmers";
    o.flash.reset = false;  // the flash and its read-back; the reboot is the module's own time
    o.env = {usb ? fs::path() : sim_dir};
    o.lock_dir = root / "locks";
    std::vector<JobReport> reports(n);
    std::vector<double> host(n);
    double cpu0 = cpu_seconds(RUSAGE_SELF);
    auto t0 = std::chrono::steady_clock::now();
    {
        std::vector<std::jthread> workers;
        for (std::size_t i = 0; i < n; ++i)
            workers.emplace_back([&, i] {
                double c0 = cpu_seconds(RUSAGE_THREAD);
                JobDevice d{names[i], "", "", 0, 0};
                if (usb) d.usb_path = names[i].substr(4);
                reports[i] = run_flash_job(d, o);
                host[i] = cpu_seconds(RUSAGE_THREAD) - c0;
            });
    }
    Round r;
    r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.process_cpu = cpu_seconds(RUSAGE_SELF) - cpu0;
    for (std::size_t i = 0; i < n; ++i) {
        r.host_cpu += host[i];
        r.ok += reports[i].result == JobResult::ok;
        r.bytes += reports[i].bytes;
        if (reports[i].result != JobResult::ok)
            std::fprintf(stderr, "  %s: %s\n", names[i].c_str(), reports[i].error.c_str());
    }
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t modules = argc > 1 ? std::stoul(argv[1]) : 8;
    std::size_t kib = argc > 2 ? std::stoul(argv[2]) : 1024;
    double mbps = argc > 3 ? std::stod(argv[3]) : 2.0;
    std::optional<std::uint64_t> rate;
    if (mbps > 0) rate = static_cast<std::uint64_t>(mbps * 1e6);
    bool usb = argc > 4 && std::string(argv[4]) == "usb";
#ifdef CR_HAVE_USB_HARNESS
    if (usb && !usbtest::UsbTestbed::under_preload())
        return usbtest::UsbTestbed::reexec_under_preload(argc, argv);
    std::unique_ptr<usbtest::UsbTestbed> bed;  // first, before any thread (harness contract)
    if (usb) bed = std::make_unique<usbtest::UsbTestbed>();
    void* testbed = bed.get();
#else
    void* testbed = nullptr;
    if (usb) {
        std::fprintf(stderr, "bench_station: built without umockdev, no usb transport\n");
        return 1;
    }
#endif
    std::string tmpl = (fs::temp_directory_path() / "cr-bench-station-XXXXXX").string();
    fs::path root = ::mkdtemp(tmpl.data());
    int rc = 0;
    try {
        package::SimFirmwareOptions po;
        po.image_bytes = kib << 10;
        package::make_sim_firmware(sim::require_model("ec25"), root / "EC25EFAR06A06M4G", po);
        Round one = flash_round(root, "one", 1, rate, testbed, 1);
        Round many = flash_round(root, "many", modules, rate, testbed, 2);
        std::printf(
            "bench_station: EC25 (NAND, 8 KiB payloads), %zu KiB max per image, virtual NAND "
            "program rate %s, %s transport, backup + flash + read-back per module\n",
            kib, rate ? fmt::format("{:.1f} MB/s", mbps).c_str() : "unpaced",
            usb ? "emulated-USB (umockdev, libusb)" : "socketpair");
        auto line = [](const char* what, std::size_t n, const Round& r) {
            std::printf(
                "  %-4s %2zu module(s): %6.2f s wall, %zu ok, %.1f MiB programmed; host CPU "
                "%.3f s/module; process CPU (host + virtual targets) %.3f s/module\n",
                what, n, r.wall, r.ok, r.bytes / 1048576.0, r.host_cpu / n, r.process_cpu / n);
        };
        line("one", 1, one);
        line("many", modules, many);
        std::printf("  %zu at once took %.2fx the time of one (target: within 1.5x)\n", modules,
                    many.wall / one.wall);
        if (one.ok != 1 || many.ok != modules) rc = 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_station failed: %s\n", e.what());
        rc = 1;
    }
    fs::remove_all(root);
    return rc;
}
