// `cellrescue demo`: the forum post's story on a virtual RM520N, every step the real command
// (this same binary, spawned) with its real output, in a fresh temporary --sim-dir and
// --backup-dir: healthy module -> backup -> a bad flash erasing efs2 (as `QFirehose -e` would)
// -> diagnose finds CFUN=5 / efs2-wiped -> rescue --yes -> CFUN=1 with its own IMEI.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace cr::workflows {

struct DemoStep {
    std::string title;
    std::string why;                // one line of story
    std::vector<std::string> args;  // after the global options
    bool optional = false;          // a failure is reported and the story goes on
    int expected_exit = 0;          // the exit status this step is meant to end with
    // When this step fails, these args do the same to the module another way (stated loudly).
    std::vector<std::string> fallback;
    // Skipped when an earlier step needed its fallback (which already did this step's job).
    bool skip_after_fallback = false;
};

struct DemoOptions {
    std::filesystem::path binary;    // the cellrescue to spawn (/proc/self/exe)
    std::filesystem::path work_dir;  // holds sim/, backups/, firmware/ (created)
    std::string model = "rm520n";
    std::function<void(const std::string& text)> out;  // everything the demo prints
};

struct DemoStepResult {
    std::string command;  // as printed (copyable)
    int exit_code = 0;
    bool used_fallback = false;
};

struct DemoResult {
    std::vector<DemoStepResult> steps;
    bool completed = false;   // every required step ran and exited 0
    std::string last_output;  // output of the last step (the rescue report)
};

std::vector<DemoStep> demo_script(const DemoOptions& options);
// The command line a user types for `args` ("cellrescue --sim-dir ... diagnose -d ...").
std::string demo_command_line(const DemoOptions& options, const std::vector<std::string>& args);
DemoResult run_demo(const DemoOptions& options);

}  // namespace cr::workflows
