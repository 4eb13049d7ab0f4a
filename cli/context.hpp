// What every command shares: the global options, device opening, confirmation, output.
#pragma once
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/device/device.hpp"
#include "src/util/progress.hpp"

namespace cr::cli {

struct GlobalOptions {
    int verbosity = 0;                 // -v / -vv
    bool json = false;                 // --json: one JSON document on stdout
    bool yes = false;                  // --yes: answer confirmations (scripts)
    std::string log_file;              // --log FILE: every packet at trace level
    std::string device;                // -d (the first one)
    std::vector<std::string> devices;  // every -d (flash takes several)
    std::string sim_dir;               // --sim-dir
    std::string backup_dir;            // --backup-dir
};

// Thrown by a command that has already printed its full result (e.g. a --json report) and only
// needs the process to end with `exit_code`; main prints nothing more.
struct ReportedFailure {
    int exit_code;
};

// `diagnose` reported a critical finding (README, docs/diagnose.md); beyond the ErrorKind codes.
inline constexpr int kExitCriticalFinding = 11;

class Context {
  public:
    GlobalOptions options;

    std::filesystem::path sim_dir() const;
    std::filesystem::path backup_dir() const;
    DeviceEnvironment device_environment() const { return {sim_dir()}; }
    // Opens -d (throws NotFoundError/UsageError with hints).
    std::unique_ptr<Device> open_device() const;

    // Asks before a device-changing step. --yes answers yes; without a terminal and without
    // --yes it throws SafetyError (scripts must say --yes explicitly).
    bool confirm(const std::string& question) const;

    // Prints a command's result: `json` with --json, else `text` (which may be empty).
    void emit(const nlohmann::json& json, const std::string& text) const;
    // A progress display for long steps (bar on a terminal, lines otherwise, JSON lines with
    // --json).
    ProgressFn progress() const;
};

}  // namespace cr::cli
