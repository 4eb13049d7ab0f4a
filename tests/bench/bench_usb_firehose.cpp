// Firehose through emulated USB, side by side with Debian qdl (issue 3, performance (b)): a
// virtual QCS6490 UFS module (qcs6490-ufs: 4096-byte sectors, 1 MiB payload) in EDL on emulated
// USB; a pseudo-random image is flashed by our client into `userdata` on LUN 0 (Sahara upload,
// configure, program, reset), read back by our client (sha256 checked), and then flashed by qdl
// into the same partition of the same emulated device. Our client finds `userdata` in the GPT;
// qdl's rawprogram takes its LUN and sectors from the catalogue. The image is --mib N (256 by
// default) cut down to the whole MiB `userdata` holds: 239 MiB, LUN 0 being 256 MiB. (The bench
// ran on a UFS RM520N before; that module is NAND now.) The virtual storage is cleared before each
// flash and checked against the image after it.
//
// Both hosts run as child processes of this one (ours is this binary in --client mode), so the
// figures of each host are its own: wait4() gives the child's CPU time, /proc/<pid>/status its peak
// RSS (VmHWM, sampled while it runs; ours also reports its own at exit), while the CPU this
// process spends meanwhile is the emulation's (umockdev's ioctl handler, the virtual
// module, its storage writes), printed apart. Wall times run from launch to exit, so both include
// process start, the Sahara upload of the 1 MiB programmer, configure and the final reset.
//
//   ninja -C build bench_usb_firehose && build/tests/bench/bench_usb_firehose [--strict] [--mib N]
//
// Prints PASS/FAIL against the target (ours >= 3x qdl's start-to-end MB/s through the same node
// mode). Exit status 1 when a transfer or a verification failed, or with --strict when below.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/core/model_catalog.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/device/device.hpp"
#include "src/util/digest.hpp"
#include "src/workflows/session/edl_session.hpp"
#include "tests/usb/usb_harness.hpp"

extern char** environ;

using namespace cr;

namespace {

namespace fs = std::filesystem;

constexpr const char* kModel = "qcs6490-ufs";
constexpr const char* kPartition = "userdata";
constexpr int kChildTimeoutSeconds = 600;  // each host run; qdl needs well under half of it
constexpr double kTarget = 3.0;            // ours / qdl, start-to-end MB/s
constexpr std::size_t kIoBlock = 1 << 20;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double cpu_seconds(const rusage& u) {
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double self_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return cpu_seconds(u);
}

// VmHWM of a running process (its own address space's peak RSS, set afresh at exec), or 0.
long vm_hwm_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Client mode: this binary, started by the bench as a child, is "our host": the layers the
// `cellrescue edl` commands use on `-d usb:1-1` (discovery, UsbTransport, EdlSession with a
// programmer file, FirehoseClient), without the CLI's progress display.

struct ClientArgs {
    std::string job;  // "flash" or "verify"
    std::string usb_path;
    fs::path programmer, programmer_dir, image;
    std::uint64_t bytes = 0;
    std::string sha256;  // verify: what the read-back must hash to
};

void report_step(const char* step, std::chrono::steady_clock::time_point t0) {
    std::printf("step %s %.6f\n", step, seconds_since(t0));
    std::fflush(stdout);
}

void program_image(EdlSession& session, const firehose::Region& region, const fs::path& image) {
    std::ifstream in(image, std::ios::binary);
    session.firehose().program(region, fs::file_size(image), [&](std::span<std::uint8_t> out) {
        in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
        return static_cast<std::size_t>(in.gcount());
    });
}

bool read_back_matches(EdlSession& session, const firehose::Region& region,
                       const std::string& expected) {
    Digest d(Digest::Algorithm::sha256);
    std::uint64_t got = 0;
    session.firehose().read(region, [&](ByteView b) {
        d.update(b);
        got += b.size();
    });
    return got == region.bytes() && d.finish_hex() == expected;
}

int run_client(const ClientArgs& a) {
    spdlog::set_level(spdlog::level::warn);
    auto device = open_real_device({DeviceSpec::Kind::usb_path, a.usb_path});
    EdlOptions options;
    options.programmer = a.programmer;
    options.programmer_dir = a.programmer_dir;
    auto t = std::chrono::steady_clock::now();
    auto session = EdlSession::open(*device, options);
    report_step("open", t);
    auto region =
        session->region(session->partition(kPartition), 0, a.bytes / session->sector_size());
    bool ok = true;
    t = std::chrono::steady_clock::now();
    if (a.job == "flash") {
        program_image(*session, region, a.image);
        report_step("program", t);
    } else {
        ok = read_back_matches(*session, region, a.sha256);
        report_step("read", t);
        std::printf("match %d\n", ok ? 1 : 0);
    }
    t = std::chrono::steady_clock::now();
    session->reset();
    report_step("reset", t);
    std::printf("vmhwm %ld\n", vm_hwm_kib(::getpid()));
    return ok ? 0 : 1;
}

int client_main(int argc, char** argv) {
    ClientArgs a;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--job") a.job = v;
        if (k == "--usb") a.usb_path = v;
        if (k == "--programmer") a.programmer = v;
        if (k == "--programmer-dir") a.programmer_dir = v;
        if (k == "--image") a.image = v;
        if (k == "--bytes") a.bytes = std::stoull(v);
        if (k == "--sha256") a.sha256 = v;
    }
    try {
        return run_client(a);
    } catch (const std::exception& e) {
        std::printf("error %s\n", e.what());
        return 1;
    }
}

// ---------------------------------------------------------------------------------------------
// Bench mode.

struct ChildRun {
    bool exited = false;  // false: could not start, killed by a signal, or timed out
    int exit_code = -1;
    bool timed_out = false;
    double seconds = 0;        // launch to exit
    double cpu = 0;            // the child's own user+system time (wait4)
    long peak_rss_kib = 0;     // the child's VmHWM (sampled; see wait_child)
    double emulation_cpu = 0;  // this process meanwhile: umockdev handler + virtual module
    std::string output;
};

std::string slurp(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Waits for `pid` to exit, at most kChildTimeoutSeconds (then kills it), sampling its VmHWM.
// Not wait4's ru_maxrss: Linux carries the spawning process's peak RSS across exec into it, so it
// would report this process's (emulation buffers included) instead of the host's.
void wait_child(pid_t pid, ChildRun& r) {
    // A pidfd turns "wait for exit, bounded" into poll(); 20 samples a second cost the host
    // nothing measurable.
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kChildTimeoutSeconds);
    for (;;) {
        r.peak_rss_kib = std::max(r.peak_rss_kib, vm_hwm_kib(pid));
        pollfd p{pidfd, POLLIN, 0};
        if (pidfd >= 0 && ::poll(&p, 1, 50) != 0) break;
        if (pidfd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (pidfd < 0 && ::waitpid(pid, nullptr, WNOHANG | WNOWAIT) != 0) break;
        if (std::chrono::steady_clock::now() > deadline) {
            r.timed_out = true;
            ::kill(pid, SIGKILL);  // our own child, by its id
            break;
        }
    }
    if (pidfd >= 0) ::close(pidfd);
}

// Runs argv in `cwd` with this process's environment (LD_PRELOAD + UMOCKDEV_DIR: the child sees
// the test bed), output to `log`.
ChildRun run_child(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log) {
    ChildRun r;
    std::vector<char*> args;
    for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    double cpu0 = self_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        r.output = std::string("cannot start ") + argv[0] + ": " + std::strerror(rc);
        return r;
    }
    wait_child(pid, r);
    int status = 0;
    rusage u{};
    ::wait4(pid, &status, 0, &u);
    r.seconds = seconds_since(t0);
    r.emulation_cpu = self_cpu_seconds() - cpu0;
    r.cpu = cpu_seconds(u);
    r.exited = !r.timed_out && WIFEXITED(status);
    r.exit_code = r.exited ? WEXITSTATUS(status) : -1;
    r.output = slurp(log);
    return r;
}

// "step program 1.234" lines of a client run.
std::map<std::string, double> steps_of(const std::string& output) {
    std::map<std::string, double> steps;
    std::istringstream in(output);
    std::string word, name;
    double s = 0;
    for (std::string line; std::getline(in, line);) {
        std::istringstream l(line);
        if (l >> word >> name >> s && word == "step") steps[name] = s;
    }
    return steps;
}

// splitmix64: a fast generator whose output never repeats within the image, so a chunk written
// at the wrong offset cannot go unnoticed.
std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Writes `bytes` pseudo-random bytes to `file` in 1 MiB blocks; returns their SHA-256.
std::string make_image(const fs::path& file, std::uint64_t bytes) {
    std::uint64_t state = 0x5eed;
    Bytes block(kIoBlock);
    Digest d(Digest::Algorithm::sha256);
    std::ofstream out(file, std::ios::binary);
    for (std::uint64_t done = 0; done < bytes; done += block.size()) {
        for (std::size_t i = 0; i < block.size(); i += 8) {
            std::uint64_t v = splitmix64(state);
            std::memcpy(block.data() + i, &v, 8);
        }
        out.write(reinterpret_cast<const char*>(block.data()),
                  static_cast<std::streamsize>(block.size()));
        d.update(block);
    }
    return d.finish_hex();
}

void write_file(const fs::path& file, ByteView data) {
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()),
               static_cast<std::streamsize>(data.size()));
}

// qdl's inputs: one program entry for the partition and an empty patch file.
void write_qdl_xml(const fs::path& dir, const std::string& image, const sim::PartitionSpec& part,
                   std::uint64_t sectors) {
    std::ofstream(dir / "rawprogram0.xml")
        << "<?xml version=\"1.0\" ?>\n<data>\n  <program SECTOR_SIZE_IN_BYTES=\"4096\" "
           "file_sector_offset=\"0\" filename=\""
        << image << "\" label=\"" << part.name << "\" num_partition_sectors=\"" << sectors
        << "\" physical_partition_number=\"" << part.lun << "\" start_sector=\""
        << part.start_sector << "\" />\n</data>\n";
    std::ofstream(dir / "patch0.xml") << "<?xml version=\"1.0\" ?>\n<patches>\n</patches>\n";
}

// SHA-256 of the first `bytes` of the partition as the virtual storage holds them.
std::string storage_sha256(sim::VirtualModule& m, const sim::PartitionSpec& part,
                           std::uint64_t bytes) {
    Digest d(Digest::Algorithm::sha256);
    Bytes block(kIoBlock);
    const std::uint64_t ss = m.model().sector_size;
    for (std::uint64_t off = 0; off < bytes; off += block.size()) {
        std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), bytes - off));
        m.storage(part.lun).read(part.start_sector + off / ss, std::span(block.data(), n));
        d.update(ByteView(block.data(), n));
    }
    return d.finish_hex();
}

struct Setup {
    fs::path dir;
    std::shared_ptr<sim::VirtualModule> module;
    const sim::PartitionSpec* part = nullptr;
    fs::path programmer;
    fs::path image;
    std::uint64_t bytes = 0;
    std::string sha256;
};

// Before each flash: the module back in EDL with no programmer running (as after a power-on
// with the EDL strap), and the partition cleared so stale bytes cannot pass verification.
void ready_for_flash(Setup& s) {
    sim::apply_state(*s.module, "edl", {});
    s.module->update([](sim::ModuleState& st) { st.firehose_running = false; });
    s.module->storage(s.part->lun)
        .erase(s.part->start_sector, s.bytes / s.module->model().sector_size, 0);
}

struct Row {
    std::string host;
    ChildRun run;
    std::map<std::string, double> steps;
    usbtest::TransferStats usb;
    bool storage_ok = false;
};

usbtest::TransferStats stats_delta(const usbtest::TransferStats& a,
                                   const usbtest::TransferStats& b) {
    usbtest::TransferStats d;
    d.out_transfers = b.out_transfers - a.out_transfers;
    d.out_bytes = b.out_bytes - a.out_bytes;
    d.out_zlps = b.out_zlps - a.out_zlps;
    d.in_transfers = b.in_transfers - a.in_transfers;
    d.in_bytes = b.in_bytes - a.in_bytes;
    return d;
}

std::vector<std::string> client_argv(const Setup& s, const std::string& job,
                                     const std::string& usb_path) {
    static const std::string self = fs::read_symlink("/proc/self/exe").string();
    return {self,
            "--client",
            "--job",
            job,
            "--usb",
            usb_path,
            "--programmer",
            s.programmer.string(),
            "--programmer-dir",
            (s.dir / "programmers").string(),
            "--image",
            s.image.string(),
            "--bytes",
            std::to_string(s.bytes),
            "--sha256",
            s.sha256};
}

Row run_host(Setup& s, usbtest::EmulatedDevice& dev, const std::string& host,
             const std::vector<std::string>& argv, const std::string& log_name) {
    Row row{host, {}, {}, {}, false};
    auto before = dev.stats();
    row.run = run_child(argv, s.dir, s.dir / log_name);
    row.usb = stats_delta(before, dev.stats());
    row.steps = steps_of(row.run.output);
    // Ours reports its own VmHWM at exit (exact); the sampled one may miss the last 50 ms.
    if (auto at = row.run.output.find("vmhwm "); at != std::string::npos)
        row.run.peak_rss_kib = std::max(row.run.peak_rss_kib,
                                        std::strtol(row.run.output.c_str() + at + 6, nullptr, 10));
    return row;
}

// Ours on one emulated device: flash (timed like qdl), then read back with sha256 in a second
// run. Both runs are checked; the storage is checked after the flash.
std::pair<Row, Row> run_ours(Setup& s, usbtest::EmulatedDevice& dev, const std::string& mode) {
    const std::string path = dev.spec().usb_path;
    ready_for_flash(s);
    Row flash = run_host(s, dev, "ours (" + mode + ")", client_argv(s, "flash", path),
                         "ours-flash-" + mode + ".log");
    flash.storage_ok = storage_sha256(*s.module, *s.part, s.bytes) == s.sha256;
    sim::apply_state(*s.module, "edl", {});
    Row verify = run_host(s, dev, "ours (" + mode + ")", client_argv(s, "verify", path),
                          "ours-verify-" + mode + ".log");
    verify.storage_ok = verify.run.output.find("match 1") != std::string::npos;
    return {flash, verify};
}

Row run_qdl(Setup& s, usbtest::EmulatedDevice& dev) {
    ready_for_flash(s);
    Row row = run_host(
        s, dev, "Debian qdl (regular)",
        {"qdl", "--storage", "ufs", s.programmer.string(), "rawprogram0.xml", "patch0.xml"},
        "qdl.log");
    row.storage_ok = storage_sha256(*s.module, *s.part, s.bytes) == s.sha256;
    return row;
}

bool ok(const Row& r) {
    return r.run.exited && r.run.exit_code == 0 && r.storage_ok;
}

double mbps(std::uint64_t bytes, double seconds) {
    return seconds > 0 ? bytes / seconds / 1e6 : 0;
}

void print_header() {
    std::printf("%-20s %-9s %8s %7s %9s %9s %8s %16s %6s\n", "host (node)", "job", "wall s", "MB/s",
                "CPU s/GiB", "emu s/GiB", "RSS MiB", "OUT URBs (ZLPs)", "IN");
}

// One launch-to-exit run: wall time, MB/s over the image size, the host's own CPU per GiB, the
// emulation's CPU meanwhile per GiB, the host's peak RSS and the URBs the emulated device saw.
void print_row(const char* what, const Row& r, std::uint64_t bytes) {
    double gib = bytes / double(1ull << 30);
    std::printf("%-20s %-9s %8.2f %7.1f %9.3f %9.3f %8.1f %9llu (%4llu) %6llu  %s\n",
                r.host.c_str(), what, r.run.seconds, mbps(bytes, r.run.seconds), r.run.cpu / gib,
                r.run.emulation_cpu / gib, r.run.peak_rss_kib / 1024.0,
                static_cast<unsigned long long>(r.usb.out_transfers),
                static_cast<unsigned long long>(r.usb.out_zlps),
                static_cast<unsigned long long>(r.usb.in_transfers), ok(r) ? "ok" : "FAILED");
    if (r.steps.empty()) return;
    std::printf("%-20s   steps:", "");
    for (const auto& [name, s] : r.steps) {
        std::printf(" %s %.3f s", name.c_str(), s);
        if (name == "program" || name == "read") std::printf(" (%.1f MB/s)", mbps(bytes, s));
    }
    std::printf("\n");
}

void print_failure(const Row& r) {
    if (ok(r)) return;
    std::printf(
        "  %s failed (exit %d%s, storage %s); output tail:\n%s\n", r.host.c_str(), r.run.exit_code,
        r.run.timed_out ? ", timed out" : "", r.storage_ok ? "ok" : "does NOT match the image",
        r.run.output.substr(r.run.output.size() > 2000 ? r.run.output.size() - 2000 : 0).c_str());
}

// qdl prints its own data-phase rate: `flashed "modem" successfully at 12345kB/s` (whole
// seconds of time(), so coarse for short runs).
std::optional<double> qdl_reported_kbps(const std::string& output) {
    auto at = output.find("successfully at ");
    if (at == std::string::npos) return std::nullopt;
    return std::strtod(output.c_str() + at + 16, nullptr);
}

struct Options {
    bool strict = false;
    std::uint64_t mib = 256;
    bool fifo = true;
};

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--strict") o.strict = true;
        if (a == "--no-fifo") o.fifo = false;
        if (a == "--mib" && i + 1 < argc) o.mib = std::stoull(argv[++i]);
    }
    return o;
}

Setup prepare(const Options& o) {
    Setup s;
    s.dir = fs::temp_directory_path() / ("cr-bench-usb-fh-" + std::to_string(::getpid()));
    fs::remove_all(s.dir);
    fs::create_directories(s.dir);
    s.module = sim::VirtualModule::open(s.dir / "sim", kModel);
    s.part = sim::find_partition(s.module->model(), kPartition);
    const std::uint64_t ss = s.module->model().sector_size;
    // Whole MiB: the image is written in 1 MiB blocks.
    s.bytes = std::min(o.mib << 20, s.part->num_sectors * ss) >> 20 << 20;
    if (s.bytes < (o.mib << 20))
        std::printf("--mib %llu does not fit: %s holds %llu sectors; using %llu MiB\n",
                    static_cast<unsigned long long>(o.mib), kPartition,
                    static_cast<unsigned long long>(s.part->num_sectors),
                    static_cast<unsigned long long>(s.bytes >> 20));
    Bytes prog = sim::make_virtual_programmer(
        {s.module->model().msm_hw_id, s.module->state().pk_hash_hex, s.module->model().id},
        1 << 20);
    s.programmer = s.dir / s.module->model().programmer_name;
    write_file(s.programmer, prog);
    s.image = s.dir / "userdata.img";
    s.sha256 = make_image(s.image, s.bytes);
    write_qdl_xml(s.dir, s.image.filename().string(), *s.part, s.bytes / ss);
    return s;
}

int bench_main(const Options& o) {
    spdlog::set_level(spdlog::level::warn);
    usbtest::UsbTestbed bed;  // first, before libusb and threads
    Setup s = prepare(o);
    std::printf(
        "Firehose through emulated USB: virtual %s, UFS, %u-byte sectors, partition %s (LUN %u, "
        "sector %llu), %.0f MiB pseudo-random image (sha256 %.16s...)\n",
        kModel, s.module->model().sector_size, kPartition, s.part->lun,
        static_cast<unsigned long long>(s.part->start_sector), s.bytes / 1048576.0,
        s.sha256.c_str());
    std::printf(
        "each host is a child process: CPU and peak RSS are its own; 'emulation' is this "
        "process's CPU meanwhile (umockdev ioctl handler + virtual module)\n\n");

    sim::apply_state(*s.module, "edl", {});
    auto& regular = bed.add_edl(s.module, "1-1", usbtest::NodeMode::regular);
    auto [ours_flash, ours_read] = run_ours(s, regular, "regular");
    std::optional<std::pair<Row, Row>> fifo;
    if (o.fifo) {
        auto& fifo_dev = bed.add_edl(s.module, "1-2", usbtest::NodeMode::fifo);
        fifo = run_ours(s, fifo_dev, "FIFO");
    }
    Row qdl = run_qdl(s, regular);

    print_header();
    print_row("flash", ours_flash, s.bytes);
    print_row("read+sha", ours_read, s.bytes);
    if (fifo) {
        print_row("flash", fifo->first, s.bytes);
        print_row("read+sha", fifo->second, s.bytes);
    }
    print_row("flash", qdl, s.bytes);
    if (auto k = qdl_reported_kbps(qdl.run.output))
        std::printf("%-20s   qdl's own data-phase figure: %.0f kB/s (%.1f MB/s)\n", "", *k,
                    *k * 1.024 / 1e3);  // qdl's kB are 1024 bytes

    bool transfers_ok = ok(ours_flash) && ok(ours_read) && ok(qdl) &&
                        (!fifo || (ok(fifo->first) && ok(fifo->second)));
    for (const Row* r : {&ours_flash, &ours_read, &qdl}) print_failure(*r);
    if (fifo) {
        print_failure(fifo->first);
        print_failure(fifo->second);
    }

    double ratio = qdl.run.seconds / ours_flash.run.seconds;
    bool pass = transfers_ok && ratio >= kTarget;
    std::printf(
        "\nstart-to-end flash, regular node (both): ours %.2f s %.1f MB/s, qdl %.2f s "
        "%.1f MB/s: ours/qdl = %.1fx\n",
        ours_flash.run.seconds, mbps(s.bytes, ours_flash.run.seconds), qdl.run.seconds,
        mbps(s.bytes, qdl.run.seconds), ratio);
    auto qdl_kbps = qdl_reported_kbps(qdl.run.output);
    if (ours_flash.steps.contains("program") && qdl_kbps)
        std::printf(
            "data phase alone: ours %.1f MB/s (program step), qdl %.1f MB/s (its own "
            "figure): %.1fx\n",
            mbps(s.bytes, ours_flash.steps["program"]), *qdl_kbps * 1.024 / 1e3,
            mbps(s.bytes, ours_flash.steps["program"]) / (*qdl_kbps * 1.024 / 1e3));
    std::printf("%s: ours %s %.0fx qdl's throughput through emulated USB\n", pass ? "PASS" : "FAIL",
                pass ? "reaches" : "is below", kTarget);
    fs::remove_all(s.dir);
    return transfers_ok && (pass || !o.strict) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--client") return client_main(argc, argv);
    if (!usbtest::UsbTestbed::under_preload())
        return usbtest::UsbTestbed::reexec_under_preload(argc, argv);
    return bench_main(parse_options(argc, argv));
}
