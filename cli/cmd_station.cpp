// `cellrescue station [PACKAGE] [--plan FILE] [--jobs N] [--max-modules N] [--idle-timeout S]`.
#include <fmt/chrono.h>
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
#include "src/workflows/station/station_plan.hpp"

namespace cr::cli {
namespace {

struct StationArgs {
    std::string package, journal, plan;
    bool jobs_given = false;
    std::size_t jobs = 1, max_modules = 0;
    double idle_timeout = 0;
    int poll_ms = 500;
    bool no_reset = false;
    ManyArgs many;
};

std::string stamp() {
    auto t = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    return fmt::format("{:%Y%m%dT%H%M%SZ}", t);
}

// The plan's settings; the command line wins where both say something.
void apply_plan(const workflows::StationPlan& plan, StationArgs& a, workflows::StationOptions& o) {
    o.models = plan.models;
    o.job.checks = plan.checks;
    if (plan.retries && a.many.retries == 0) o.job.retries = *plan.retries;
    if (plan.jobs && !a.jobs_given) o.jobs = *plan.jobs;
    if (plan.backup_min_free) o.job.backup_min_free = *plan.backup_min_free;
    if (plan.backup_dir) o.job.flash.backup_dir = *plan.backup_dir;
    if (plan.log_dir && a.many.log_dir.empty()) o.job.log_dir = *plan.log_dir;
    if (plan.report_dir) {
        auto base = *plan.report_dir / ("station-" + stamp());
        if (o.report.empty()) o.report = base.string() + ".json";
        if (o.junit.empty()) o.junit = base.string() + ".xml";
    }
}

workflows::StationOptions station_options(const Context& ctx, StationArgs& a) {
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
    if (!a.plan.empty()) apply_plan(workflows::load_station_plan(a.plan), a, o);
    if (o.job.flash.package.empty() && o.models.empty())
        throw UsageError("station: give a PACKAGE, or a --plan naming a package per model");
    return o;
}

int exit_code_of(const workflows::StationRun& run) {
    if (run.abandoned) return 130;
    for (const auto& r : run.reports)
        if (r.result != workflows::JobResult::ok) return r.exit_code ? r.exit_code : 1;
    return 0;
}

void run_station(Context& ctx, StationArgs& a) {
    auto o = station_options(ctx, a);
    std::string what = a.package.empty() ? "the plan's packages" : a.package;
    if (!ctx.confirm(fmt::format("Flash {} onto every module that arrives (calibration is "
                                 "backed up first)?",
                                 what)))
        throw UsageError("station cancelled", "nothing was changed", "");
    workflows::JobLogs logs;
    o.job.logs = &logs;
    bool json = ctx.options.json;
    o.say = [json](const std::string& line) {
        if (!json) std::cerr << line << std::endl;
    };
    workflows::Station station(std::move(o));  // before any other thread: it blocks the signals
    auto run = station.run();
    auto report = workflows::runs_to_json(what, run.reports);
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
    cmd->add_option("package", a->package,
                    "the package for the modules (directory or .zip); or name them in --plan");
    cmd->add_option(
        "--plan", a->plan,
        "a plan file (.toml: TOML, else JSON): package per model, checks, retries, dirs");
    auto* jobs = cmd->add_option("--jobs", a->jobs, "modules at once (default 1)");
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
    cmd->add_option(
           "--lock-dir", m.lock_dir,
           "per-device lock files (default $XDG_RUNTIME_DIR; a virtual module's: its --sim-dir)")
        ->envname("CELLRESCUE_LOCK_DIR");
    cmd->add_flag("--no-verify", m.no_verify, "skip the read-back");
    cmd->add_option("--retries", m.retries, "retry a module whose flash failed before writing");
    cmd->callback([&ctx, a, jobs] {
        a->jobs_given = jobs->count() > 0;
        run_station(ctx, *a);
    });
}

}  // namespace cr::cli
