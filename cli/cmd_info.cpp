// `cellrescue info`: the identity of a device (chip identity over Sahara for EDL devices).
#include "cli/commands.hpp"
#include "src/workflows/sahara/sahara_info.hpp"

namespace cr::cli {

void register_info(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "info", "identity of a device: chip (Sahara: MSM HW ID, serial, PK hash) in EDL");
    cmd->callback([&ctx] {
        auto device = ctx.open_device();
        auto info = workflows::read_device_info(*device);
        ctx.emit(workflows::info_to_json(info), workflows::info_to_text(info));
    });
}

}  // namespace cr::cli
