// `cellrescue station [PACKAGE] [--plan FILE] [--jobs N] [--max-modules N] [--idle-timeout S]`.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/flash_many.hpp"
#include "src/util/error.hpp"
#include "src/util/paths.hpp"
#include "src/workflows/station/job_report.hpp"
#include "src/workflows/station/journal.hpp"
#include "src/workflows/station/station.hpp"

namespace cr::cli {
namespace {

struct StationArgs {
    std::string package, journal;
    std::size_t jobs = 1, max_modules = 0;
    double idle_timeout = 0;
    int poll_ms = 500;
    bool no_reset = false;
    ManyArgs many;
};

workflows::StationOptions station_options(const Context& ctx, const StationArgs& a) {
    workflows::FlashOptions f;
    f.package = a.package;
    f.backup_dir = ctx.backup_dir();
    f.reset = !a.no_reset;
    workflows::StationOptions o;
    o.job = job_options(ctx, f, a.many);
    o.journal = a.journal.empty() ? xdg_state_home() / "cellrescue" / "station" / "journal.jsonl"
                                  : std::filesystem::path(a.journal);
    o.report = a.many.report;
    o.junit = a.many.junit;
    o.jobs = a.jobs;
    o.max_modules = a.max_modules;
    o.idle_timeout = std::chrono::milliseconds(static_cast<long>(a.idle_timeout * 1000));
    o.poll = std::chrono::milliseconds(std::max(50, a.poll_ms));
    o.discovery.sim_dir = ctx.sim_dir();
    return o;
}

int exit_code_of(const workflows::StationRun& run) {
    if (run.abandoned) return 130;
    for (const auto& r : run.reports)
        if (r.result != workflows::JobResult::ok) return r.exit_code ? r.exit_code : 1;
    return 0;
}

void run_station(Context& ctx, const StationArgs& a) {
    if (a.package.empty()) throw UsageError("station: give a PACKAGE (or a plan naming them)");
    auto o = station_options(ctx, a);
    if (!ctx.confirm(fmt::format("Flash {} onto every module that arrives (calibration is "
                                 "backed up first)?",
                                 a.package)))
        throw UsageError("station cancelled", "nothing was changed", "");
    workflows::JobLogs logs;
    o.job.logs = &logs;
    bool json = ctx.options.json;
    o.say = [json](const std::string& line) {
        if (!json) std::cerr << line << std::endl;
    };
    workflows::Station station(std::move(o));  // before any other thread: it blocks the signals
    auto run = station.run();
    auto report = workflows::runs_to_json(a.package, run.reports);
    report["stop_reason"] = run.stop_reason;
    report["skipped"] = run.skipped;
    report["journal"] = station.journal().path().string();
    ctx.emit(report, workflows::summary_table(run.reports) +
                         fmt::format("station stopped: {}\n", run.stop_reason));
    int code = exit_code_of(run);
    if (run.abandoned) {  // jobs still run on their threads: leave without unwinding them
        std::cout.flush();
        std::cerr.flush();
        std::_Exit(code);
    }
    if (code) throw ReportedFailure{code};
}

}  // namespace

void register_station(CLI::App& app, Context& ctx) {
    auto a = std::make_shared<StationArgs>();
    auto* cmd = app.add_subcommand(
        "station", "factory station: flash every module that arrives, journaled, until stopped");
    cmd->add_option("package", a->package, "the package for the modules (directory or .zip)");
    cmd->add_option("--jobs", a->jobs, "modules at once (default 1)");
    cmd->add_option("--max-modules", a->max_modules, "stop after this many jobs (default: never)");
    cmd->add_option("--idle-timeout", a->idle_timeout,
                    "stop after this many seconds with nothing to do (default: never)");
    cmd->add_option("--poll-ms", a->poll_ms, "how often to look for modules (default 500)");
    cmd->add_option("--journal", a->journal,
                    "the journal (default ~/.local/state/cellrescue/station/journal.jsonl)");
    cmd->add_flag("--no-reset", a->no_reset, "leave modules in EDL after the flash");
    auto& m = a->many;
    cmd->add_option("--report", m.report, "keep the JSON results of this run in FILE");
    cmd->add_option("--junit", m.junit, "keep the results as JUnit XML in FILE");
    cmd->add_option("--log-dir", m.log_dir,
                    "one log file per module (default ~/.local/state/cellrescue/logs)");
    cmd->add_option("--lock-dir", m.lock_dir, "per-device lock files (default $XDG_RUNTIME_DIR)")
        ->envname("CELLRESCUE_LOCK_DIR");
    cmd->add_flag("--no-verify", m.no_verify, "skip the read-back");
    cmd->add_option("--retries", m.retries, "retry a module whose flash failed before writing");
    cmd->callback([&ctx, a] { run_station(ctx, *a); });
}

}  // namespace cr::cli
