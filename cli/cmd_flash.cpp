// `cellrescue flash`, `edl restore-partition`, `sim make-firmware`.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/flash_many.hpp"
#include "sim/core/model_catalog.hpp"
#include "src/archive/backup_store.hpp"
#include "src/package/sim_firmware.hpp"
#include "src/util/error.hpp"
#include "src/workflows/flash/flash.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "src/workflows/station/device_lock.hpp"

namespace cr::cli {
namespace {

struct FlashArgs {
    std::string package, programmer;
    bool dry_run = false, factory = false, no_md5 = false, no_backup = false, understand = false;
    bool no_reset = false;
    bool restore_settings = false;
    ManyArgs many;
    bool many_mode(const Context& ctx) const {
        return many.all || ctx.options.devices.size() > 1 || !many.report.empty() ||
               !many.junit.empty();
    }
};

void run_flash(Context& ctx, const FlashArgs& a) {
    workflows::FlashOptions o;
    o.package = a.package;
    o.dry_run = a.dry_run;
    o.factory = a.factory;
    o.no_md5 = a.no_md5;
    if (!a.programmer.empty()) o.programmer = a.programmer;
    o.no_backup = a.no_backup;
    o.i_understand_calibration_loss = a.understand;
    o.backup_dir = ctx.backup_dir();
    o.reset = !a.no_reset;
    o.restore_settings = a.restore_settings;
    if (a.restore_settings && a.no_reset)
        throw UsageError("--restore-settings needs the reset at the end (drop --no-reset)");
    workflows::check_flash_overrides(o);
    if (a.dry_run) {
        // With -d the device's storage is queried (read-only) and an unfit package refused.
        auto report = ctx.options.devices.empty()
                          ? workflows::plan_flash(o)
                          : workflows::plan_flash_on_device(*ctx.open_device(), o);
        ctx.emit(workflows::to_json(report), workflows::describe(report));
        return;
    }
    if (a.many_mode(ctx)) {
        if (a.restore_settings)
            throw UsageError("--restore-settings works on one device at a time");
        run_flash_many(ctx, o, a.many);
        return;
    }
    auto device = ctx.open_device();
    std::string question = fmt::format("Flash {} onto {}?", a.package, device->name());
    if (a.factory) question += " The FACTORY XML overwrites calibration (efs2).";
    if (a.no_backup) question += " Calibration will NOT be backed up first.";
    if (a.no_md5) question += " The package's md5.txt will NOT be checked.";
    if (!ctx.confirm(question)) throw UsageError("flash cancelled", "nothing was changed", "");
    o.progress = ctx.progress();
    // One worker per module, also across processes (a station may be running).
    workflows::DeviceLock lock(a.many.lock_dir.empty()
                                   ? workflows::default_lock_dir(device->name(), ctx.sim_dir())
                                   : std::filesystem::path(a.many.lock_dir),
                               device->name());
    auto report = workflows::flash_package(*device, o);
    ctx.emit(workflows::to_json(report), workflows::describe(report));
    if (report.settings && report.settings->restore_failed()) throw ReportedFailure{8};
}

}  // namespace

void register_flash(CLI::App& app, Context& ctx) {
    auto a = std::make_shared<FlashArgs>();
    auto* cmd = app.add_subcommand("flash", "flash a firmware package (directory or .zip) in EDL");
    cmd->add_option("package", a->package, "the package: a directory or a .zip")->required();
    cmd->add_flag("--dry-run", a->dry_run,
                  "print the plan and write nothing (with -d: the device, in EDL, is asked for "
                  "its storage and an unfit package is refused)");
    cmd->add_flag("--factory", a->factory,
                  "use the *_factory rawprogram (OVERWRITES calibration; backed up first)");
    cmd->add_option("--programmer", a->programmer,
                    "a Firehose programmer instead of the package's");
    cmd->add_flag("--no-md5", a->no_md5,
                  "do not check the package's md5.txt (only when md5.txt itself is damaged)");
    cmd->add_flag("--no-backup", a->no_backup,
                  "do not back up calibration first (needs --i-understand-calibration-loss)");
    cmd->add_flag("--i-understand-calibration-loss", a->understand,
                  "confirms --no-backup: calibration and IMEI may be lost for good");
    cmd->add_flag("--no-reset", a->no_reset, "stay in EDL after flashing");
    cmd->add_flag(
        "--restore-settings", a->restore_settings,
        "re-apply the module's settings read before the flash (USB mode, bands, APNs...)");
    auto& m = a->many;
    cmd->add_flag("--all", m.all,
                  "every EDL device and Quectel module attached (and virtual ones)");
    cmd->add_option("--jobs", m.jobs, "how many devices at once (default: all of them)");
    cmd->add_option("--report", m.report, "write the results of every device as JSON to FILE");
    cmd->add_option("--junit", m.junit, "write the results as JUnit XML to FILE (CI systems)");
    cmd->add_option("--log-dir", m.log_dir,
                    "one log file per device here (default ~/.local/state/cellrescue/logs)");
    cmd->add_option(
           "--lock-dir", m.lock_dir,
           "per-device lock files (default $XDG_RUNTIME_DIR; a virtual module's: its --sim-dir)")
        ->envname("CELLRESCUE_LOCK_DIR");
    cmd->add_flag("--no-verify", m.no_verify, "several devices: skip the read-back");
    cmd->add_option("--retries", m.retries,
                    "several devices: retry a device whose flash failed before writing");
    cmd->callback([&ctx, a] { run_flash(ctx, *a); });
}

void register_edl_restore(CLI::App& edl, Context& ctx) {
    struct Args {
        std::string bundle, programmer;
        std::vector<std::string> only;
        bool allow_other = false, no_verify = false, reset = false;
    };
    auto a = std::make_shared<Args>();
    auto* cmd =
        edl.add_subcommand("restore-partition", "write a partition bundle back and verify it");
    cmd->add_option("bundle", a->bundle, "a partition bundle (cellrescue backups list)")
        ->required();
    cmd->add_option("--only", a->only, "restore only these entries (labels)");
    cmd->add_option("--programmer", a->programmer, "Firehose programmer (device in Sahara)");
    cmd->add_flag("--allow-other-device", a->allow_other,
                  "restore a bundle taken from ANOTHER module (clones its calibration)");
    cmd->add_flag("--no-verify", a->no_verify, "skip the read-back check");
    cmd->add_flag("--reset", a->reset, "reset the module afterwards");
    cmd->callback([&ctx, a] {
        workflows::PartitionRestoreRequest r;
        r.bundle = a->bundle;
        r.restore.allow_other_device = a->allow_other;
        r.restore.only = a->only;
        r.restore.verify = !a->no_verify;
        if (!a->programmer.empty()) r.edl.programmer = a->programmer;
        r.reset = a->reset;
        auto device = ctx.open_device();
        if (!ctx.confirm(fmt::format("Write {} onto {}?", a->bundle, device->name())))
            throw UsageError("restore cancelled", "nothing was changed", "");
        auto done = workflows::restore_partition_bundle(*device, r, ctx.progress());
        nlohmann::json out{{"bundle", a->bundle}, {"partitions", nlohmann::json::array()}};
        std::string text;
        for (const auto& p : done) {
            out["partitions"].push_back({{"label", p.label},
                                         {"bytes", p.bytes},
                                         {"sha256", p.sha256},
                                         {"verified", p.verified}});
            text += fmt::format("restored {} ({} bytes){}\n", p.label, p.bytes,
                                p.verified ? ", read back and verified" : "");
        }
        ctx.emit(out, text);
    });
}

void register_sim_firmware(CLI::App& sim, Context& ctx) {
    struct Args {
        std::string model, output;
        bool factory = false;
        std::size_t image_bytes = 96 * 1024;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = sim.add_subcommand("make-firmware",
                                   "build a Quectel-layout firmware package for a virtual model");
    cmd->add_option("--model", a->model, "rm520n, ec25 or rm500q")->required();
    cmd->add_option("-o,--output", a->output, "a directory, or a file ending in .zip")->required();
    cmd->add_flag("--with-factory", a->factory, "also write a *_factory rawprogram (cefs.mbn)");
    cmd->add_option("--image-size", a->image_bytes, "bytes per image (capped at the partition)");
    cmd->callback([&ctx, a] {
        package::SimFirmwareOptions o;
        o.with_factory = a->factory;
        o.image_bytes = a->image_bytes;
        auto fw = package::make_sim_firmware(sim::require_model(a->model), a->output, o);
        ctx.emit({{"output", fw.output.string()}, {"model", a->model}, {"images", fw.images}},
                 fmt::format("wrote {} ({} images{})", fw.output.string(), fw.images.size(),
                             a->factory ? ", with a factory XML" : ""));
    });
}

}  // namespace cr::cli
