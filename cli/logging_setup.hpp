// spdlog set-up: warnings on stderr by default, -v info, -vv debug; --log FILE gets everything
// at trace level (every packet) whatever -v says.
#pragma once
#include <string>

namespace cr::cli {

void setup_logging(int verbosity, const std::string& log_file);

}  // namespace cr::cli
