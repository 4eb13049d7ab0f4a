#include "cli/commands.hpp"

namespace cr::cli {

void register_edl_sahara(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }
void register_sim_programmer(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }

}  // namespace cr::cli
