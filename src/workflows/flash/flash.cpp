// The flash executor: calibration guard, ordered steps with timings, and a precise report when
// anything fails mid-way (which partitions are complete, whether the SBL still boots).
#include "src/workflows/flash/flash.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include "src/archive/backup_store.hpp"
#include "src/util/error.hpp"
#include "src/util/kill_point.hpp"
#include "src/workflows/backup/partition_backup.hpp"

namespace cr::workflows {
namespace {

using Clock = std::chrono::steady_clock;

std::string step_name(const package::FlashStep& s) {
    std::string label =
        s.op.label.empty() ? (s.file ? s.file->filename().string() : "-") : s.op.label;
    if (s.kind == package::StepKind::patch) label = s.op.what.empty() ? "DISK" : s.op.what;
    return fmt::format("{} {}", package::to_string(s.kind), label);
}

}  // namespace

void check_flash_overrides(const FlashOptions& o) {
    if (o.no_backup != o.i_understand_calibration_loss)
        throw UsageError(
            "skipping the calibration backup needs both --no-backup and "
            "--i-understand-calibration-loss",
            "nothing was changed", "drop --no-backup (recommended) or give both flags");
}

namespace {

// Where flashing stands, for the error a mid-flash failure raises. The boot chain is the plan's
// boot steps (NAND: the SBL; eMMC: sbl1; UFS: xbl/xbl_config on the boot LUNs, abl).
struct Progress {
    std::string storage;  // the plan's storage type
    std::vector<std::string> complete;
    std::vector<std::string> boot_pending;  // boot labels the plan writes, not yet written
    bool boot_touched = false;              // a boot step was erased or started

    std::string boot_names() const {
        std::string out;
        for (const auto& b : boot_pending) out += (out.empty() ? "" : "/") + b;
        return out.empty() ? "the SBL" : out;
    }
    std::string sbl_state() const {
        if (!boot_touched) return "the SBL is untouched: the module still reaches its bootloader";
        if (boot_pending.empty()) return "the SBL was written: the module should boot";
        if (storage == "nand")
            return "the SBL is ERASED: the module will not boot and stays in EDL (9008), which "
                   "is recoverable";
        return fmt::format(
            "the boot chain ({}) is incomplete on {}: the module may not boot; it then "
            "falls back to EDL (9008), which is recoverable",
            boot_names(), storage.empty() ? "the storage" : storage);
    }
    std::string summary() const {
        std::string done;
        for (const auto& c : complete) done += (done.empty() ? "" : ", ") + c;
        return fmt::format("completed: {}; {}", done.empty() ? "nothing" : done, sbl_state());
    }
};

[[noreturn]] void rethrow_mid_flash(const Error& e, const std::string& step, const Progress& p) {
    std::string what =
        fmt::format("flashing stopped at '{}': {} ({})", step, e.what(), p.summary());
    std::string next =
        "put the module in EDL again (it stays there if the SBL is erased) and run the same "
        "flash command again; calibration backups are in `cellrescue backups list`";
    if (e.kind() == ErrorKind::device_gone) throw DeviceGoneError(what, p.sbl_state(), next);
    throw Error(what, p.sbl_state(), next, e.kind());
}

// The plan's calibration regions, plus (backup_all_calibration) the device's other ones.
std::vector<package::Region> regions_to_back_up(const package::FlashPlan& plan,
                                                const std::vector<package::Region>& known,
                                                const FlashOptions& o) {
    std::vector<package::Region> out = plan.calibration_regions;
    if (!o.backup_all_calibration) return out;
    for (const auto& k : known) {
        bool have = false;
        for (const auto& r : out) have = have || package::overlaps(r, k);
        if (!have) out.push_back(k);
    }
    return out;
}

// The first bytes of each image the plan writes at the start of a region being backed up: a
// region that already begins with them was overwritten by an interrupted run of this flash.
std::map<std::string, Bytes> incoming_images(const package::FlashPlan& plan,
                                             const std::vector<package::Region>& regions) {
    constexpr std::size_t kPrefix = 64 * 1024;
    std::map<std::string, Bytes> out;
    for (const auto& r : regions)
        for (const auto& s : plan.steps) {
            if (s.kind != package::StepKind::program || !s.file) continue;
            const bool same_start = s.region
                                        ? s.region->physical_partition == r.physical_partition &&
                                              s.region->start_sector == r.start_sector
                                        : !r.label.empty() && s.op.label == r.label;
            if (!same_start) continue;
            std::ifstream in(*s.file, std::ios::binary);
            Bytes head(kPrefix);
            in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(kPrefix));
            head.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
            const bool erased =
                std::all_of(head.begin(), head.end(), [](auto b) { return b == 0xFF || b == 0; });
            if (head.size() >= 512 && !erased) out[r.label] = std::move(head);
        }
    return out;
}

std::optional<std::filesystem::path> guard_calibration(FlashTarget& target,
                                                       const package::FlashPlan& plan,
                                                       const std::vector<package::Region>& known,
                                                       const FlashOptions& o, FlashReport& report) {
    std::vector<package::Region> regions = regions_to_back_up(plan, known, o);
    if (regions.empty()) return std::nullopt;
    if (o.no_backup && o.i_understand_calibration_loss) {
        spdlog::warn(
            "calibration backup SKIPPED on request: {} calibration region(s) will be "
            "overwritten without a copy",
            regions.size());
        report.backup_skipped = true;
        return std::nullopt;
    }
    archive::BackupStore store(o.backup_dir);
    try {
        auto reader = [&](const package::Region& r, const ByteSink& sink) {
            target.read(r, sink, o.progress);
        };
        auto saved = backup_partitions(store, target.identity(), regions, reader,
                                       "before flashing " + o.package.filename().string(),
                                       o.progress, incoming_images(plan, regions));
        return saved.file;
    } catch (const Error& e) {
        throw SafetyError(
            fmt::format("the calibration backup failed, so nothing was flashed: {}", e.what()),
            "in EDL; nothing was written or erased",
            "fix the cause (backup directory writable? device connected?) and run "
            "flash again; never skip the backup unless you have a copy");
    }
}

void run_step(FlashTarget& target, const package::FlashStep& s, const FlashOptions& o) {
    switch (s.kind) {
        case package::StepKind::erase:
            target.erase(s);
            break;
        case package::StepKind::program:
            target.program(s, o.progress);
            break;
        case package::StepKind::patch:
            target.patch(s.op);
            break;
        case package::StepKind::reset:
            kill_point("flash before reset");  // tests: everything written, no reset yet
            target.reset();
            break;
    }
}

}  // namespace

package::PackageOptions package_options(const FlashOptions& options) {
    package::PackageOptions po;
    po.factory = options.factory;
    po.programmer = options.programmer;
    po.skip_md5 = options.no_md5;
    return po;
}

std::string md5_status(const package::Package& pkg) {
    if (pkg.md5_skipped()) return "skipped";
    return pkg.md5_checked() ? "verified" : "absent";
}

// A dry run's report before its plan: package, notes, md5 status.
static FlashReport dry_run_report(const FlashOptions& options, const package::Package& pkg) {
    FlashReport r;
    r.package = options.package;
    r.dry_run = true;
    r.notes = pkg.notes();
    r.md5 = md5_status(pkg);
    return r;
}

FlashReport plan_flash(const FlashOptions& options) {
    check_flash_overrides(options);
    package::Package pkg = package::open_package(options.package, package_options(options));
    FlashReport r = dry_run_report(options, pkg);
    package::PlanOptions plan_options;
    plan_options.reset = options.reset;
    r.plan = package::make_flash_plan(pkg, plan_options);
    return r;
}

package::PlanOptions device_plan_options(FlashTarget& target, const package::Package& pkg,
                                         bool reset) {
    package::PlanOptions po;
    po.reset = reset;
    po.storage = target.storage();
    std::set<std::uint32_t> luns;
    for (const auto& op : pkg.operations()) luns.insert(op.op.physical_partition);
    for (const auto& p : pkg.disk_patches()) luns.insert(p.physical_partition);
    for (std::uint32_t lun : luns) {
        if (po.storage && po.storage->luns && lun >= po.storage->luns) continue;  // refused
        if (auto n = target.num_disk_sectors(lun)) po.lun_sectors[lun] = *n;      // its own size
    }
    po.known_calibration = target.calibration_partitions();
    return po;
}

FlashReport plan_flash(FlashTarget& target, const FlashOptions& options) {
    check_flash_overrides(options);
    package::Package pkg = package::open_package(options.package, package_options(options));
    FlashReport r = dry_run_report(options, pkg);
    auto po = device_plan_options(target, pkg, options.reset);
    if (po.storage)
        r.notes.push_back(
            fmt::format("device storage: {}, {}-byte sectors, {} LUN(s): the "
                        "package fits",
                        po.storage->memory, po.storage->sector_size,
                        po.storage->luns ? std::to_string(po.storage->luns) : "?"));
    r.plan = package::make_flash_plan(pkg, po);
    return r;
}

FlashReport execute_flash(FlashTarget& target, const package::Package& pkg, const FlashOptions& o) {
    check_flash_overrides(o);
    FlashReport report;
    report.package = o.package;
    report.notes = pkg.notes();
    report.md5 = md5_status(pkg);
    package::PlanOptions plan_options = device_plan_options(target, pkg, o.reset);
    report.plan = package::make_flash_plan(pkg, plan_options);
    report.calibration_backup =
        guard_calibration(target, report.plan, plan_options.known_calibration, o, report);
    if (report.calibration_backup && o.on_calibration_backup)
        o.on_calibration_backup(*report.calibration_backup);

    Progress state;
    state.storage = report.plan.storage;
    for (const auto& s : report.plan.steps)
        if (s.is_sbl && s.kind == package::StepKind::program)
            state.boot_pending.push_back(s.op.label);
    auto start_all = Clock::now();
    for (const auto& s : report.plan.steps) {
        std::string name = step_name(s);
        auto t0 = Clock::now();
        if (s.is_sbl) state.boot_touched = true;  // a failed boot write leaves it half written
        try {
            run_step(target, s, o);
        } catch (const Error& e) {
            rethrow_mid_flash(e, name, state);
        }
        double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        if (s.is_sbl && s.kind == package::StepKind::program)
            std::erase(state.boot_pending, s.op.label);
        if (s.kind == package::StepKind::program) state.complete.push_back(s.op.label);
        std::string label = s.kind == package::StepKind::patch ? "DISK" : s.op.label;
        PartitionTiming t{label, std::string(package::to_string(s.kind)), s.bytes, secs, 0};
        if (s.kind == package::StepKind::program && secs > 0) t.mb_per_s = s.bytes / secs / 1e6;
        report.total_bytes += s.bytes;
        report.timings.push_back(t);
        spdlog::debug("{} done ({} bytes, {:.3f} s)", name, s.bytes, secs);
    }
    report.total_seconds = std::chrono::duration<double>(Clock::now() - start_all).count();
    return report;
}

nlohmann::json to_json(const FlashReport& r) {
    nlohmann::json timings = nlohmann::json::array();
    for (const auto& t : r.timings)
        timings.push_back({{"label", t.label},
                           {"action", t.action},
                           {"bytes", t.bytes},
                           {"seconds", t.seconds},
                           {"mb_per_s", t.mb_per_s}});
    nlohmann::json j = {{"package", r.package.string()},
                        {"dry_run", r.dry_run},
                        {"notes", r.notes},
                        {"md5", r.md5},
                        {"plan", package::to_json(r.plan)},
                        {"backup_skipped", r.backup_skipped},
                        {"timings", timings},
                        {"total_bytes", r.total_bytes},
                        {"total_seconds", r.total_seconds}};
    j["calibration_backup"] =
        r.calibration_backup ? nlohmann::json(r.calibration_backup->string()) : nlohmann::json();
    if (r.settings) j["settings"] = to_json(*r.settings);
    return j;
}

std::string describe(const FlashReport& r) {
    std::string out;
    for (const auto& n : r.notes) out += "  " + n + "\n";
    if (r.dry_run) {
        out += "Plan (dry run: nothing was sent to the device):\n" + package::describe(r.plan);
        return out;
    }
    if (r.calibration_backup)
        out += "Calibration backed up to " + r.calibration_backup->string() + "\n";
    if (r.backup_skipped) out += "WARNING: calibration was overwritten WITHOUT a backup\n";
    if (r.md5 == "skipped") out += "WARNING: the package's md5.txt was NOT checked (--no-md5)\n";
    out += fmt::format("{:<9} {:<14} {:>12} {:>9} {:>9}\n", "action", "partition", "bytes",
                       "seconds", "MB/s");
    for (const auto& t : r.timings)
        out += fmt::format("{:<9} {:<14} {:>12} {:>9.3f} {:>9}\n", t.action,
                           t.label.empty() ? "-" : t.label, t.bytes, t.seconds,
                           t.action == "program" ? fmt::format("{:.1f}", t.mb_per_s) : "-");
    out += fmt::format("Flashed {} bytes in {:.2f} s ({:.1f} MB/s overall)\n", r.total_bytes,
                       r.total_seconds,
                       r.total_seconds > 0 ? r.total_bytes / r.total_seconds / 1e6 : 0.0);
    if (r.settings) out += describe(*r.settings);
    return out;
}

}  // namespace cr::workflows
