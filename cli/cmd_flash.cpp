#include "cli/commands.hpp"

namespace cr::cli {

void register_flash(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }
void register_edl_restore(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }
void register_sim_firmware(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }

}  // namespace cr::cli
