// `cellrescue diagnose | rescue | demo` (engineer R).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "nv/imei.hpp"
#include "src/util/error.hpp"
#include "src/workflows/demo/demo.hpp"
#include "src/workflows/diagnose/diagnose.hpp"
#include "src/workflows/rescue/rescue.hpp"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace cr::cli {
namespace {

void add_diagnose(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "diagnose", "find what is wrong with a module (CFUN=5, IMEI, FTM, u-blox firmware)");
    auto imei = std::make_shared<std::string>();
    cmd->add_option("--imei", *imei,
                    "the module's own IMEI (label): finds its backups when the IMEI is gone");
    cmd->callback([&ctx, imei] {
        if (!imei->empty()) nv::require_valid_imei(*imei);
        auto device = ctx.open_device();
        workflows::DiagnoseOptions options;
        options.store_dir = ctx.backup_dir();
        if (!imei->empty()) options.own_imei = *imei;
        auto d = workflows::diagnose(*device, options);
        ctx.emit(workflows::to_json(d), workflows::format_text(d));
        const bool critical =
            std::any_of(d.findings.begin(), d.findings.end(), [](const workflows::Finding& f) {
                return f.severity == workflows::Severity::critical;
            });
        if (critical) throw ReportedFailure{kExitCriticalFinding};
    });
}

// Exit status of a finished rescue: 0 healthy/repaired, 8 not verified, 7 nothing done (the
// user must decide or declined).
void finish_rescue(const Context& ctx, const workflows::RescueReport& r) {
    using workflows::RescueOutcome;
    if (r.outcome == RescueOutcome::healthy || r.outcome == RescueOutcome::repaired) return;
    if (ctx.options.json)  // one JSON document only: the report already says why
        throw ReportedFailure{r.outcome == RescueOutcome::not_verified ? 8 : 7};
    if (r.outcome == RescueOutcome::not_verified)
        throw VerifyError("the repair was carried out but the module did not verify",
                          "see the report above",
                          "run `cellrescue diagnose` and follow its remedies");
    throw SafetyError(
        r.outcome == RescueOutcome::declined ? "rescue declined" : "rescue needs your decision",
        "nothing was written to the module", "see the options above");
}

void add_rescue(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "rescue", "the guided repair: diagnose, back up, restore its own calibration, verify");
    auto package = std::make_shared<std::string>();
    auto imei = std::make_shared<std::string>();
    cmd->add_option("--package", *package,
                    "firmware package to reflash when the firmware is broken");
    cmd->add_option("--imei", *imei, "the module's own IMEI (from its label); Luhn-checked");
    auto no_settings = std::make_shared<bool>(false);
    cmd->add_flag("--no-restore-settings", *no_settings,
                  "do not re-apply the module's saved settings after the repair");
    cmd->callback([&ctx, package, imei, no_settings] {
        auto device = ctx.open_device();
        workflows::RescueOptions o;
        o.store_dir = ctx.backup_dir();
        o.restore_settings = !*no_settings;
        if (!package->empty()) o.package = std::filesystem::path(*package);
        if (!imei->empty()) o.imei = *imei;
        o.confirm = [&ctx](const std::string& plan) {
            std::cerr << plan;
            return ctx.confirm("carry out this plan?");
        };
        if (!ctx.options.json)
            o.narrate = [](const std::string& line) { std::cerr << "==> " << line << std::endl; };
        o.progress = ctx.progress();
        auto r = workflows::rescue(*device, o);
        ctx.emit(workflows::to_json(r), workflows::format_text(r));
        finish_rescue(ctx, r);
    });
}

std::filesystem::path fresh_demo_dir(const std::string& wanted) {
    if (!wanted.empty()) {
        std::filesystem::path dir(wanted);
        if (std::filesystem::exists(dir) && !std::filesystem::is_empty(dir))
            throw UsageError(
                fmt::format("{} is not empty: the demo needs a fresh directory", wanted), {},
                "give a new directory with --dir, or leave --dir out");
        return dir;
    }
    std::string tmpl = (std::filesystem::temp_directory_path() / "cellrescue-demo-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw IoError("cannot create a temporary directory for the demo");
    return tmpl;
}

void add_demo(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "demo", "the whole rescue story on a virtual RM520N, every step the real command");
    auto dir = std::make_shared<std::string>();
    auto model = std::make_shared<std::string>("rm520n");
    cmd->add_option("--dir", *dir, "work directory (default: a fresh temporary one)");
    cmd->add_option("--model", *model, "virtual Quectel model: rm520n, rm500q, ec25");
    cmd->callback([&ctx, dir, model] {
        workflows::DemoOptions o;
        o.binary = std::filesystem::read_symlink("/proc/self/exe");
        o.work_dir = fresh_demo_dir(*dir);
        o.model = *model;
        const bool json = ctx.options.json;
        o.out = [json](const std::string& text) {
            (json ? std::cerr : std::cout) << text << std::flush;
        };
        auto r = workflows::run_demo(o);
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& s : r.steps)
            steps.push_back({{"command", s.command},
                             {"exit_code", s.exit_code},
                             {"fallback", s.used_fallback}});
        if (json)
            ctx.emit(
                {{"completed", r.completed}, {"work_dir", o.work_dir.string()}, {"steps", steps}},
                "");
        if (!r.completed)
            throw Error("the demo stopped before the end", "see the step output above",
                        "run the printed commands one by one to see where it fails");
    });
}

}  // namespace

void register_diagnose(CLI::App& app, Context& ctx) {
    add_diagnose(app, ctx);
    add_rescue(app, ctx);
    add_demo(app, ctx);
}

}  // namespace cr::cli
