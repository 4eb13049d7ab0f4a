// Renders ProgressEvents on stderr: a bar with rate and ETA on a terminal, one plain line per
// phase step otherwise, JSON lines with --json (stdout stays the command's result).
#pragma once
#include "src/util/progress.hpp"

namespace cr::cli {

ProgressFn make_progress_display(bool json, bool terminal);

}  // namespace cr::cli
