#include "src/workflows/station/flash_job.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sys/statvfs.h>

#include <chrono>

#include "src/archive/bundle.hpp"
#include "src/package/package.hpp"
#include "src/util/error.hpp"
#include "src/workflows/diagnose/diagnose.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "src/workflows/station/device_lock.hpp"
#include "src/workflows/station/flash_verify.hpp"
#include "src/workflows/station/model_match.hpp"

namespace cr::workflows {
namespace {

using Clock = std::chrono::steady_clock;

// The job's state while it runs; turns into the report.
struct Job {
    const JobOptions& o;
    const JobStatusFn& status;
    JobReport& r;
    bool wrote = false;  // something was sent that changes the flash

    void say(const std::string& s) {
        if (status) status(s);
    }
    ProgressFn progress() {
        return [this](const ProgressEvent& e) {
            if (e.finished && e.phase.starts_with("program ")) {
                r.partitions_done.push_back(e.phase.substr(8));
                wrote = true;
            }
            if (e.phase.starts_with("program ") || e.phase.starts_with("erase")) wrote = true;
            int pct = e.total ? static_cast<int>(100.0 * e.done / e.total) : -1;
            say(pct >= 0 ? fmt::format("{} {}%", e.phase, pct) : e.phase);
        };
    }
};

}  // namespace

std::string chip_serial_text(std::string_view serial) {
    std::string s(serial);
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s.starts_with("0x")) s = s.substr(2);
    if (s.empty() || s.find_first_not_of("0123456789abcdef") != std::string::npos)
        return std::string(serial);
    while (s.size() < 8) s = "0" + s;
    return "0x" + s;
}

namespace {

void record_identity(JobReport& r, const Observation& o, bool before) {
    std::string imei = o.imei_at.value_or("");
    (before ? r.imei_before : r.imei_after) = imei;
    (before ? r.firmware_before : r.firmware_after) = o.firmware;
    if (r.model.empty()) r.model = o.model;
}

void check_model(const JobDevice& d, const package::Package& pkg, JobReport& r) {
    auto family = module_family_of_usb(d.vid, d.pid);
    auto families =
        package_families(pkg.source().filename().string(), pkg.root().filename().string(),
                         pkg.programmer().filename().string());
    ModelCheck c = check_package_model(family, families);
    r.notes.push_back(c.detail);
    if (!c.match)
        throw SafetyError(
            fmt::format("{}: refused ({})", pkg.source().filename().string(), c.detail),
            "untouched: nothing was sent to it",
            "use the package for this module's model (see the plan file)");
}

// Refuses the job when the backup store cannot take a calibration backup (full disk).
void check_backup_space(const JobOptions& o, JobReport& r) {
    if (o.flash.no_backup || o.backup_min_free == 0) return;
    std::error_code ec;
    std::filesystem::create_directories(o.flash.backup_dir, ec);
    struct statvfs st {};
    if (::statvfs(o.flash.backup_dir.c_str(), &st) != 0)
        throw IoError(fmt::format("cannot check free space in {}: {}", o.flash.backup_dir.string(),
                                  std::error_code(errno, std::generic_category()).message()),
                      "untouched: nothing was sent to it",
                      "check that the backup directory exists and is writable");
    auto free = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    r.notes.push_back(fmt::format("backup directory has {} MiB free", free >> 20));
    if (free < o.backup_min_free)
        throw SafetyError(
            fmt::format("refused: the backup directory {} has {} MiB free, a "
                        "calibration backup needs at least {} MiB",
                        o.flash.backup_dir.string(), free >> 20, o.backup_min_free >> 20),
            "untouched: nothing was sent to it",
            "free space there (or point the backup directory elsewhere) and "
            "plug the module in again");
}

void read_backup_identity(JobReport& r) {
    if (!r.backup) return;
    try {
        auto reader = archive::BundleReader::open(*r.backup, archive::BundleReader::Check::full);
        reader.verify_all();
        r.backup_intact = true;
        const auto& id = reader.manifest().identity;
        if (!id.chip_serial.empty()) r.chip_serial = id.chip_serial;  // what Sahara said
        if (r.model.empty()) r.model = id.model;
    } catch (const Error& e) {
        r.backup_intact = false;
        r.notes.push_back(fmt::format("calibration backup does not verify: {}", e.what()));
    }
}

void add_check(JobReport& r, std::string name, bool passed, std::string detail) {
    r.checks.push_back({std::move(name), true, passed, std::move(detail)});
}
void not_checked(JobReport& r, std::string name, std::string why) {
    r.checks.push_back({std::move(name), false, false, std::move(why)});
}

void run_checks(Job& j, Device& device) {
    const JobChecks& c = j.o.checks;
    JobReport& r = j.r;
    if (c.backup_taken)
        add_check(r, "backup_taken", r.backup && r.backup_intact.value_or(false),
                  r.backup ? r.backup->string() : "no calibration backup was taken");
    if (c.imei_unchanged) {
        if (!r.imei_before.empty() && !r.imei_after.empty())
            add_check(r, "imei_unchanged", r.imei_before == r.imei_after,
                      fmt::format("{} -> {}", r.imei_before, r.imei_after));
        else
            not_checked(r, "imei_unchanged",
                        "IMEI not read before and after (module arrived in EDL, or no AT port)");
    }
    if (c.firmware_after)
        add_check(
            r, "firmware_after", r.firmware_after == *c.firmware_after,
            fmt::format("reports '{}', plan wants '{}'", r.firmware_after, *c.firmware_after));
    if (c.diagnose_healthy) {
        DiagnoseOptions d;
        d.store_dir = j.o.flash.backup_dir;
        Diagnosis dx = diagnose(device, d);
        std::string found;
        for (const auto& f : dx.findings)
            if (f.severity >= Severity::warning) found += (found.empty() ? "" : ", ") + f.id;
        add_check(r, "diagnose_healthy", dx.healthy(), found.empty() ? "healthy" : found);
    }
}

// Read back, then reboot into normal mode (the flash itself stayed in EDL for this).
void verify_and_reboot(Job& j, Device& device, const package::Package& pkg, const FlashReport& fr) {
    EdlOptions edl;
    edl.programmer = pkg.programmer();
    edl.programmer_dir = j.o.flash.programmer_dir;
    auto session = EdlSession::open(device, edl);
    if (j.o.verify) {
        j.r.stage = "verify";
        FlashVerification v = verify_flash(*session, fr.plan, pkg, j.progress());
        j.r.verified = v.verified;
        if (!v.ok())
            throw VerifyError(
                fmt::format("read-back differs from the package for: {}",
                            fmt::join(v.mismatched, ", ")),
                "in EDL, flashed but not as the package says",
                "flash it again; if it differs again the module's flash may be failing");
    }
    if (!j.o.flash.reset) return;
    j.r.stage = "reboot";
    j.say("rebooting");
    session->reset();
    session.reset();
    device.wait_for_mode(DeviceMode::normal, j.o.come_back);
}

void attempt(Job& j, Device& device) {
    JobReport& r = j.r;
    r.stage = "package";
    package::PackageOptions po;
    po.factory = j.o.flash.factory;
    po.programmer = j.o.flash.programmer;
    package::Package pkg = package::open_package(j.o.flash.package, po);  // kept for verify
    check_model(r.device, pkg, r);
    check_backup_space(j.o, r);
    if (device.mode() == DeviceMode::normal) {
        r.stage = "identify";
        j.say("reading identity");
        record_identity(r, probe_module(device), true);
    }
    r.stage = "flash";
    FlashOptions f = j.o.flash;
    f.reset = false;  // verify first, then reboot
    f.backup_all_calibration = true;
    f.progress = j.progress();
    f.on_calibration_backup = [&r](const std::filesystem::path& p) { r.backup = p; };
    FlashReport fr = flash_package(device, f);
    r.bytes = fr.total_bytes;
    read_backup_identity(r);
    verify_and_reboot(j, device, pkg, fr);
    if (j.o.flash.reset && device.mode() == DeviceMode::normal) {
        r.stage = "identify after";
        j.say("reading identity");
        record_identity(r, probe_module(device), false);
    }
    r.stage = "checks";
    run_checks(j, device);
}

void fail(JobReport& r, const Error& e) {
    r.result = e.kind() == ErrorKind::safety && r.partitions_done.empty() ? JobResult::refused
                                                                          : JobResult::failed;
    r.exit_code = static_cast<int>(e.kind());
    r.error = e.what();
    r.device_state = e.device_state();
    r.next_step = e.next_step();
}

std::filesystem::path log_file_for(const JobOptions& o, const JobDevice& d) {
    if (o.log_dir.empty()) return {};
    std::error_code ec;
    std::filesystem::create_directories(o.log_dir, ec);
    return o.log_dir / (device_lock_key(d.name) + ".log");
}

}  // namespace

std::string_view to_string(JobResult result) {
    switch (result) {
        case JobResult::ok:
            return "ok";
        case JobResult::failed:
            return "failed";
        case JobResult::refused:
            return "refused";
        case JobResult::interrupted:
            return "interrupted";
    }
    return "?";
}

JobReport run_flash_job(const JobDevice& device, const JobOptions& o, const JobStatusFn& status,
                        std::stop_token stop) {
    JobReport r;
    r.device = device;
    r.chip_serial = chip_serial_text(device.serial);
    r.log_file = log_file_for(o, device);
    JobLogs::Attachment log(o.logs, r.log_file);
    Job j{o, status, r};
    auto t0 = Clock::now();
    spdlog::info("{}: job starts ({})", device.name, o.flash.package.string());
    try {
        DeviceLock lock(
            o.lock_dir.empty() ? default_lock_dir(device.name, o.env.sim_dir) : o.lock_dir,
            device.name);
        auto dev = open_device(parse_device_spec(device.name), o.env);
        for (r.attempts = 1;; ++r.attempts) {
            try {
                attempt(j, *dev);
                break;
            } catch (const Error& e) {
                // Retry only what left the flash untouched, and never a refusal.
                bool again = r.attempts <= o.retries && !j.wrote && e.kind() != ErrorKind::safety &&
                             !stop.stop_requested();
                if (!again) throw;
                spdlog::warn("{}: attempt {} failed ({}); retrying", device.name, r.attempts,
                             e.what());
                r.notes.push_back(fmt::format("attempt {}: {}", r.attempts, e.what()));
            }
        }
        bool passed = true;
        for (const auto& c : r.checks)
            passed = passed && (c.evaluated ? c.passed : !o.checks.strict);
        r.result = passed ? JobResult::ok : JobResult::failed;
        r.exit_code = passed ? 0 : static_cast<int>(ErrorKind::verify);
        if (!passed) r.error = "flashed, but a required check failed";
    } catch (const Error& e) {
        fail(r, e);
        if (j.wrote) r.boot_state = e.device_state();
        read_backup_identity(r);
    } catch (const std::exception& e) {
        r.result = JobResult::failed;
        r.exit_code = static_cast<int>(ErrorKind::generic);
        r.error = e.what();
    }
    if (stop.stop_requested() && r.result != JobResult::ok && r.result != JobResult::refused)
        r.result = JobResult::interrupted;
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    spdlog::info("{}: job ends: {} {}", device.name, to_string(r.result), r.error);
    j.say(std::string(to_string(r.result)));
    return r;
}

}  // namespace cr::workflows
