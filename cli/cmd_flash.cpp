#include "cli/commands.hpp"

namespace cr::cli {

void register_flash(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }

}  // namespace cr::cli
