// Programmer upload (1 MiB) through the socketpair, through emulated USB (libusb + umockdev) and,
// side by side, Debian's qdl uploading the same programmer to the same kind of emulated device.
// Prints MB/s, Sahara round trips and CPU time. Re-executes itself under umockdev-wrapper.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "protocols/sahara/sahara_client.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "sim/ports.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/transport/usb_transport.hpp"
#include "tests/usb/usb_harness.hpp"

using namespace cr;

namespace {

struct Figures {
    double seconds = 0;
    double cpu_self = 0;
    double cpu_children = 0;
    std::uint32_t round_trips = 0;
};

double cpu_of(int who) {
    rusage u{};
    ::getrusage(who, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

template <typename F>
Figures measure(F&& f) {
    double c0 = cpu_of(RUSAGE_SELF), k0 = cpu_of(RUSAGE_CHILDREN);
    auto t0 = std::chrono::steady_clock::now();
    Figures out;
    out.round_trips = f();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.cpu_self = cpu_of(RUSAGE_SELF) - c0;
    out.cpu_children = cpu_of(RUSAGE_CHILDREN) - k0;
    return out;
}

void print(const char* what, const Figures& f, std::size_t bytes) {
    std::printf(
        "%-34s %8.3f s %8.1f MB/s %8u round trips  CPU %6.3f s (this process) %6.3f s "
        "(child)\n",
        what, f.seconds, bytes / 1e6 / f.seconds, f.round_trips, f.cpu_self, f.cpu_children);
}

std::shared_ptr<sim::VirtualModule> fresh(const std::filesystem::path& dir) {
    auto m = sim::VirtualModule::open(dir, "rm520n");
    sim::apply_state(*m, "edl", {});
    m->update([](sim::ModuleState& s) {
        s.firehose_running = false;
        s.extra.erase("sahara");
    });
    return m;
}

std::uint32_t upload(Transport& port, const Bytes& prog) {
    sahara::Client client(port);
    client.wait_hello();
    return client.upload_image(prog).requests;
}

}  // namespace

int main(int argc, char** argv) {
    if (!usbtest::UsbTestbed::under_preload())
        return usbtest::UsbTestbed::reexec_under_preload(argc, argv);
    spdlog::set_level(spdlog::level::warn);
    usbtest::UsbTestbed bed;  // first, before libusb and threads
    auto dir =
        std::filesystem::temp_directory_path() / ("cr-bench-usb-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const std::size_t size = 1 << 20;
    auto m = fresh(dir);
    Bytes prog = sim::make_virtual_programmer(
        {m->model().msm_hw_id, m->state().pk_hash_hex, m->model().id}, size);
    auto prog_path = dir / "prog_firehose_lite.elf";
    std::ofstream(prog_path, std::ios::binary)
        .write(reinterpret_cast<const char*>(prog.data()),
               static_cast<std::streamsize>(prog.size()));

    std::ofstream(dir / "misc.bin") << std::string(8192, 'Z');
    std::ofstream(dir / "rawprogram0.xml")
        << "<?xml version=\"1.0\" ?>\n<data>\n  <program SECTOR_SIZE_IN_BYTES=\"4096\" "
           "file_sector_offset=\"0\" filename=\"misc.bin\" label=\"misc\" "
           "num_partition_sectors=\"2\" physical_partition_number=\"0\" "
           "start_sector=\"91494\" />\n</data>\n";
    std::ofstream(dir / "patch0.xml") << "<?xml version=\"1.0\" ?>\n<patches>\n</patches>\n";
    std::printf("Programmer upload, %zu bytes, virtual RM520N (Sahara v3)\n", size);
    Figures sock = measure([&] {
        auto [host, device] = make_socket_pair("bench socket");
        std::jthread target([&, d = device.get()](std::stop_token st) {
            try {
                sim::serve_edl(*m, *d, st);
            } catch (const std::exception&) {
            }
            d->close();
        });
        std::uint32_t rt = upload(*host, prog);
        host->shutdown_write();
        return rt;
    });
    print("socketpair (in-process)", sock, size);

    m = fresh(dir);
    bed.add_edl(m, "1-1", usbtest::NodeMode::fifo);
    Figures usb = measure([&] {
        auto port = UsbTransport::open({});
        return upload(*port, prog);
    });
    print("emulated USB, libusb (FIFO node)", usb, size);

    m = fresh(dir);
    bed.add_edl(m, "1-2", usbtest::NodeMode::regular);
    Figures usb_reg = measure([&] {
        UsbSelector sel;
        sel.usb_path = "1-2";
        auto port = UsbTransport::open(sel);
        return upload(*port, prog);
    });
    print("emulated USB, libusb (regular node)", usb_reg, size);

    m = fresh(dir);
    bed.add_edl(m, "1-3", usbtest::NodeMode::regular);
    // qdl goes on to configure, program misc and reset after the upload, and its own Firehose
    // reads wait out their timeouts: the whole run is reported, and the upload alone is timed
    // from launch to the moment our Sahara target marks the programmer running (polled here).
    double qdl_upload_s = 0;
    Figures qdl = measure([&] {
        std::string cmd = "cd " + dir.string() + " && timeout 60 qdl --storage ufs " +
                          prog_path.string() + " rawprogram0.xml patch0.xml >/dev/null 2>&1";
        std::atomic<bool> done{false};
        auto t0 = std::chrono::steady_clock::now();
        std::jthread child([&] {
            int rc = std::system(cmd.c_str());
            (void)rc;
            done = true;
        });
        while (!done && !m->state().firehose_running)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (!done)
            qdl_upload_s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        child.join();
        auto st = m->state();
        return st.extra.contains("sahara") ? st.extra["sahara"].value("last_upload_requests", 0u)
                                           : 0u;
    });
    print("Debian qdl (sync usbfs, whole run)", qdl, size);
    if (qdl_upload_s > 0)
        std::printf("%-34s %8.3f s %8.1f MB/s (launch to Sahara DONE, incl. process start)\n",
                    "Debian qdl upload only", qdl_upload_s, size / 1e6 / qdl_upload_s);
    else
        std::printf("Debian qdl upload only: not observed (qdl ended first)\n");
    auto fin = m->state();
    bool ok = fin.extra.contains("sahara") &&
              fin.extra["sahara"].value("last_programmer_size", 0u) == size;
    std::printf("qdl upload accepted byte-exact: %s\n", ok ? "yes" : "NO");
    std::filesystem::remove_all(dir);
    return ok ? 0 : 1;
}
