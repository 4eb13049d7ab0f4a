#include "cli/commands.hpp"

namespace cr::cli {

void register_ublox(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }
void register_sim_ublox(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }

}  // namespace cr::cli
