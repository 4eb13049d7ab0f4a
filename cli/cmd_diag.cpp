#include "cli/commands.hpp"

namespace cr::cli {

void register_diag(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }
void register_edl_enter(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }
void register_sim_serve(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }

}  // namespace cr::cli
