#include "cli/app.hpp"

#include "cli/commands.hpp"
#include "cli/logging_setup.hpp"

namespace cr::cli {
namespace {

void add_global_options(CLI::App& app, GlobalOptions& o) {
    app.add_flag("-v,--verbose", o.verbosity, "more log output (-vv: debug)");
    app.add_flag("--json", o.json, "print the result as JSON");
    app.add_flag("-y,--yes", o.yes, "answer yes to confirmations (for scripts)");
    app.add_option("--log", o.log_file, "write every packet at trace level to FILE");
    app.add_option("-d,--device", o.devices,
                   "usb:<bus-port>, sn:<serial>, a tty/char device path, or sim:<model>[#n] "
                   "(flash: several)");
    app.add_option("--sim-dir", o.sim_dir, "where virtual modules keep their state")
        ->envname("CELLRESCUE_SIM_DIR");
    app.add_option("--backup-dir", o.backup_dir, "the backup store")
        ->envname("CELLRESCUE_BACKUP_DIR");
}

void register_commands(CLI::App& app, Context& ctx) {
    register_devices(app, ctx);
    register_info(app, ctx);
    CLI::App* edl = app.add_subcommand("edl", "Qualcomm emergency download mode (Sahara/Firehose)");
    edl->require_subcommand(1);
    register_edl_sahara(*edl, ctx);
    register_edl_firehose(*edl, ctx);
    register_edl_enter(*edl, ctx);
    register_edl_restore(*edl, ctx);
    register_programmers(app, ctx);
    register_flash(app, ctx);
    register_station(app, ctx);
    register_backups(app, ctx);
    register_diag(app, ctx);
    register_calibration(app, ctx);
    register_at(app, ctx);
    register_settings(app, ctx);
    register_snapshot(app, ctx);
    register_diagnose(app, ctx);
    register_ublox(app, ctx);
    register_sim(app, ctx);
}

}  // namespace

std::unique_ptr<CLI::App> make_app(Context& ctx) {
    // No name: CLI11 then takes argv[0] for the usage line, as before.
    auto app = std::make_unique<CLI::App>(
        "cellrescue: recover bricked cellular modules and keep their calibration safe");
    app->set_version_flag("--version", std::string("cellrescue ") + CELLRESCUE_VERSION);
    app->require_subcommand(1);
    app->fallthrough();  // global options may follow the subcommand
    add_global_options(*app, ctx.options);
    // Runs once options are known, before any command's callback.
    app->parse_complete_callback([&ctx] {
        auto& o = ctx.options;
        if (!o.devices.empty()) o.device = o.devices.front();
        setup_logging(o.verbosity, o.log_file);
    });
    register_commands(*app, ctx);
    return app;
}

}  // namespace cr::cli
