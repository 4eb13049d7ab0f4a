// cellrescue: brings bricked cellular modules back and keeps their calibration safe.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/logging_setup.hpp"
#include "src/util/error.hpp"

namespace {

void add_global_options(CLI::App& app, cr::cli::GlobalOptions& o) {
    app.add_flag("-v,--verbose", o.verbosity, "more log output (-vv: debug)");
    app.add_flag("--json", o.json, "print the result as JSON");
    app.add_flag("-y,--yes", o.yes, "answer yes to confirmations (for scripts)");
    app.add_option("--log", o.log_file, "write every packet at trace level to FILE");
    app.add_option("-d,--device", o.device,
                   "usb:<bus-port>, sn:<serial>, a tty/char device path, or sim:<model>[#n]");
    app.add_option("--sim-dir", o.sim_dir, "where virtual modules keep their state")
        ->envname("CELLRESCUE_SIM_DIR");
    app.add_option("--backup-dir", o.backup_dir, "the backup store")
        ->envname("CELLRESCUE_BACKUP_DIR");
}

int report_error(const cr::Error& e, bool json) {
    if (json) {
        nlohmann::json j{{"error", e.what()},
                         {"device_state", e.device_state()},
                         {"next_step", e.next_step()},
                         {"exit_code", static_cast<int>(e.kind())}};
        std::cout << j.dump(2) << std::endl;
    }
    std::cerr << "error: " << e.what() << "\n";
    if (!e.device_state().empty()) std::cerr << "device: " << e.device_state() << "\n";
    if (!e.next_step().empty()) std::cerr << "next: " << e.next_step() << "\n";
    return static_cast<int>(e.kind());
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"cellrescue: recover bricked cellular modules and keep their calibration safe"};
    app.set_version_flag("--version", std::string("cellrescue ") + CELLRESCUE_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // global options may follow the subcommand
    cr::cli::Context ctx;
    add_global_options(app, ctx.options);
    // Runs once options are known, before any command's callback.
    app.parse_complete_callback(
        [&ctx] { cr::cli::setup_logging(ctx.options.verbosity, ctx.options.log_file); });

    using namespace cr::cli;
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
    register_backups(app, ctx);
    register_diag(app, ctx);
    register_calibration(app, ctx);
    register_at(app, ctx);
    register_settings(app, ctx);
    register_diagnose(app, ctx);
    register_ublox(app, ctx);
    register_sim(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : static_cast<int>(cr::ErrorKind::usage);
    } catch (const cr::cli::ReportedFailure& f) {
        return f.exit_code;
    } catch (const cr::Error& e) {  // thrown from a subcommand callback
        return report_error(e, ctx.options.json);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return static_cast<int>(cr::ErrorKind::generic);
    }
    return 0;
}
