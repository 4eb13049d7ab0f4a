// `cellrescue snapshot [-o FILE]`, `snapshot restore FILE`, `snapshot export FILE --rawprogram
// DIR`.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "src/util/error.hpp"
#include "src/workflows/snapshot/snapshot.hpp"
#include "src/workflows/snapshot/snapshot_export.hpp"

namespace cr::cli {
namespace {

void register_restore(CLI::App& snap, Context& ctx) {
    struct Args {
        std::string file, programmer, imei, imei2;
        std::vector<std::string> only;
        bool other = false, no_reset = false, no_settings = false;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = snap.add_subcommand("restore", "write a snapshot back onto its module, verified");
    cmd->add_option("file", a->file, "the snapshot (.crb)")->required();
    cmd->add_option("--only", a->only, "only these partitions (efs2,modem)")->delimiter(',');
    cmd->add_flag("--other-device", a->other,
                  "restore a snapshot of ANOTHER module (its calibration only with --imei)");
    cmd->add_option("--imei", a->imei,
                    "with --other-device: THIS module's own IMEI (label); the other module's "
                    "calibration is then written and the IMEI corrected to this one");
    cmd->add_option("--imei2", a->imei2, "with --imei: this module's own second IMEI");
    cmd->add_option("--programmer", a->programmer, "Firehose programmer (device in Sahara)");
    cmd->add_flag("--no-reset", a->no_reset, "stay in EDL afterwards (settings not re-applied)");
    cmd->add_flag("--no-settings", a->no_settings, "do not re-apply the snapshot's settings");
    cmd->callback([&ctx, a] {
        workflows::SnapshotRestoreOptions o;
        o.only = a->only;
        o.other_device = a->other;
        o.reset = !a->no_reset;
        o.restore_settings = !a->no_settings;
        if (!a->imei.empty()) o.imeis.imei = a->imei;
        if (!a->imei2.empty()) o.imeis.imei2 = a->imei2;
        o.store_dir = ctx.backup_dir();
        if (!a->programmer.empty()) o.edl.programmer = a->programmer;
        workflows::open_snapshot(a->file);  // refuse a damaged file before asking
        auto device = ctx.open_device();
        if (!ctx.confirm(fmt::format("Write snapshot {} onto {}?", a->file, device->name())))
            throw UsageError("restore cancelled", "nothing was changed", "");
        o.progress = ctx.progress();
        auto rep = workflows::restore_snapshot(*device, a->file, o);
        ctx.emit(workflows::to_json(rep), workflows::describe(rep));
        if (!rep.ok()) throw ReportedFailure{8};
    });
}

void register_export(CLI::App& snap, Context& ctx) {
    struct Args {
        std::string file, dir;
        std::vector<std::string> only;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = snap.add_subcommand(
        "export", "write a snapshot as rawprogram0.xml + patch0.xml + images (for qdl)");
    cmd->add_option("file", a->file, "the snapshot (.crb)")->required();
    cmd->add_option("--rawprogram", a->dir, "output directory")->required();
    cmd->add_option("--only", a->only, "only these partitions (efs2,modem)")->delimiter(',');
    cmd->callback([&ctx, a] {
        auto rep = workflows::export_rawprogram(a->file, a->dir, a->only);
        ctx.emit(workflows::to_json(rep), workflows::describe(rep));
    });
}

}  // namespace

void register_snapshot(CLI::App& app, Context& ctx) {
    struct Args {
        std::string output, programmer;
        bool edl_only = false;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "snapshot", "every partition (and settings, calibration) of a module into one bundle");
    cmd->add_option("-o,--output", a->output, "the snapshot file (default: in the backup store)");
    cmd->add_option("--programmer", a->programmer, "Firehose programmer (device in Sahara)");
    cmd->add_flag("--edl-only", a->edl_only,
                  "do not read settings and calibration in normal mode first");
    register_restore(*cmd, ctx);
    register_export(*cmd, ctx);
    cmd->callback([&ctx, a, cmd] {
        if (!cmd->get_subcommands().empty()) return;  // restore / export ran
        workflows::SnapshotOptions o;
        if (!a->output.empty()) o.output = a->output;
        if (!a->programmer.empty()) o.edl.programmer = a->programmer;
        o.store_dir = ctx.backup_dir();
        o.normal_mode_data = !a->edl_only;
        auto device = ctx.open_device();
        o.progress = ctx.progress();
        auto rep = workflows::take_snapshot(*device, o);
        ctx.emit(workflows::to_json(rep), workflows::describe(rep));
    });
}

}  // namespace cr::cli
