// `cellrescue diagnose | rescue | demo` (engineer R).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "nv/imei.hpp"
#include "src/util/error.hpp"
#include "src/workflows/diagnose.hpp"

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

}  // namespace

void register_diagnose(CLI::App& app, Context& ctx) {
    add_diagnose(app, ctx);
}

}  // namespace cr::cli
