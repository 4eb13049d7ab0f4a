#include "cli/commands.hpp"

namespace cr::cli {

void register_edl_firehose(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }
void register_programmers(CLI::App& app, Context& ctx) { (void)ctx; (void)app; }

}  // namespace cr::cli
