// `cellrescue diagnose | rescue | demo` (engineer R).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "nv/imei.hpp"
#include "src/util/error.hpp"
#include "src/workflows/diagnose.hpp"
#include "src/workflows/rescue.hpp"

#include <cstdlib>
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
    });
}

// Exit status of a finished rescue: 0 healthy/repaired, 8 not verified, 7 nothing done (the
// user must decide or declined).
void finish_rescue(const Context& ctx, const workflows::RescueReport& r) {
    using workflows::RescueOutcome;
    if (r.outcome == RescueOutcome::healthy || r.outcome == RescueOutcome::repaired) return;
    if (ctx.options.json) {  // one JSON document only: the report already says why
        std::cout.flush();
        std::exit(r.outcome == RescueOutcome::not_verified ? 8 : 7);
    }
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
    cmd->callback([&ctx, package, imei] {
        auto device = ctx.open_device();
        workflows::RescueOptions o;
        o.store_dir = ctx.backup_dir();
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

}  // namespace

void register_diagnose(CLI::App& app, Context& ctx) {
    add_diagnose(app, ctx);
    add_rescue(app, ctx);
}

}  // namespace cr::cli
