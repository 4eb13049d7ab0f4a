#include "cli/commands.hpp"

namespace cr::cli {

void register_calibration(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }

}  // namespace cr::cli
