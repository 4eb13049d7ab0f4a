// `cellrescue flash PACKAGE --all | -d DEV -d DEV ... [--jobs N] [--report F] [--junit F]`.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "cli/flash_many.hpp"
#include "cli/status_board.hpp"
#include "src/discovery/discovery.hpp"
#include "src/util/error.hpp"
#include "src/util/paths.hpp"
#include "src/workflows/station/device_lock.hpp"
#include "src/workflows/station/job_report.hpp"
#include "src/workflows/station/multi_flash.hpp"

namespace cr::cli {

workflows::JobOptions job_options(const Context& ctx, const workflows::FlashOptions& flash,
                                  const ManyArgs& a) {
    workflows::JobOptions o;
    o.flash = flash;
    o.env = ctx.device_environment();
    o.lock_dir = a.lock_dir;  // empty: each job picks its device's default (sim or real)
    o.log_dir = a.log_dir.empty() ? xdg_state_home() / "cellrescue" / "logs"
                                  : std::filesystem::path(a.log_dir);
    o.verify = !a.no_verify;
    o.retries = a.retries;
    return o;
}

namespace {

std::vector<workflows::JobDevice> devices_for(const Context& ctx, const ManyArgs& a) {
    discovery::Options d;
    d.sim_dir = ctx.sim_dir();
    auto found = discovery::discover(d);
    if (a.all) {
        if (!ctx.options.devices.empty())
            throw UsageError("--all and -d together", "nothing was changed", "use one of them");
        auto list = workflows::flashable_devices(found);
        if (list.empty())
            throw NotFoundError("--all: no EDL device or Quectel module found",
                                "nothing was changed", "run `cellrescue devices`");
        return list;
    }
    if (ctx.options.devices.empty())
        throw UsageError("name the devices with -d (several times) or use --all");
    return workflows::named_devices(found, ctx.options.devices);
}

void write_outputs(const ManyArgs& a, const std::string& package,
                   const std::vector<workflows::JobReport>& reports) {
    if (!a.report.empty())
        workflows::write_report_file(a.report,
                                     workflows::runs_to_json(package, reports).dump(2) + "\n");
    if (!a.junit.empty())
        workflows::write_report_file(a.junit, workflows::to_junit(package, reports));
}

}  // namespace

void run_flash_many(Context& ctx, const workflows::FlashOptions& flash, const ManyArgs& a) {
    auto devices = devices_for(ctx, a);
    std::string names;
    for (const auto& d : devices) names += " " + d.name;
    std::string question = fmt::format("Flash {} onto{}?", flash.package.string(), names);
    if (flash.factory) question += " The FACTORY XML overwrites calibration (efs2).";
    if (flash.no_backup) question += " Calibration will NOT be backed up first.";
    if (!ctx.confirm(question)) throw UsageError("flash cancelled", "nothing was changed", "");

    workflows::JobLogs logs;
    workflows::JobOptions o = job_options(ctx, flash, a);
    o.logs = &logs;
    std::vector<std::string> labels;
    for (const auto& d : devices) labels.push_back(d.name);
    StatusBoard board(labels, !ctx.options.json && ::isatty(STDERR_FILENO));
    auto reports = workflows::run_flash_jobs(
        devices, o, a.jobs, [&](std::size_t i, const std::string& s) { board.update(i, s); });
    board.finish();
    write_outputs(a, flash.package.string(), reports);
    ctx.emit(workflows::runs_to_json(flash.package.string(), reports),
             workflows::summary_table(reports));
    if (!workflows::all_ok(reports)) {
        int code = 1;
        for (const auto& r : reports)
            if (r.result != workflows::JobResult::ok) {
                code = r.exit_code ? r.exit_code : 1;
                break;
            }
        throw ReportedFailure{code};
    }
}

}  // namespace cr::cli
