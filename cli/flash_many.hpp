// `flash` on several devices (--all, -d ... -d ..., --report, --junit) and the options a
// station shares with it.
#pragma once
#include <string>

#include "cli/context.hpp"
#include "src/workflows/station/flash_job.hpp"

namespace cr::cli {

struct ManyArgs {
    bool all = false;
    std::size_t jobs = 0;  // 0: one worker per device
    std::string report, junit, log_dir, lock_dir;
    bool no_verify = false;
    int retries = 0;
};

// JobOptions from the global options and a flash's options (backup store, lock dir, logs).
workflows::JobOptions job_options(const Context& ctx, const workflows::FlashOptions& flash,
                                  const ManyArgs& args);
// Runs every job, prints the board and summary, writes --report/--junit; throws
// ReportedFailure when any device did not succeed.
void run_flash_many(Context& ctx, const workflows::FlashOptions& flash, const ManyArgs& args);

}  // namespace cr::cli
