// The one definition of the command line: every command, option and help text. main() parses
// with it; tools/clidoc builds it without running anything to generate man pages and shell
// completions, so they cannot drift from what the binary accepts.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.hpp"

namespace cr::cli {

// The app's callbacks keep a reference to `ctx`: it must outlive the app.
std::unique_ptr<CLI::App> make_app(Context& ctx);

}  // namespace cr::cli
