// `cellrescue station`: waits for modules, runs a job on each new one (backup, flash, verify,
// reboot, checks), records every step in the journal and waits for the next. A module is known
// by its serial: one done in this run (or an earlier one, by the journal) is not flashed twice,
// and a port stays "done" until its module is unplugged. SIGINT/SIGTERM: no new jobs, the running
// ones finish; a second signal marks them interrupted in the journal and gives up on them.
// Signals arrive through a signalfd the Station owns (no handler, no global).
#pragma once
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "src/discovery/discovery.hpp"
#include "src/workflows/station/flash_job.hpp"
#include "src/workflows/station/station_plan.hpp"

namespace cr::workflows {

struct StationOptions {
    JobOptions job;  // job.flash.package: the package when the plan names none for a model
    // Package (and firmware to expect) per module family ("EC25"): from the plan file.
    std::map<std::string, ModelPlan> models;
    std::filesystem::path journal;
    std::filesystem::path report, junit;        // rewritten after every job; empty: none
    std::size_t jobs = 1;                       // modules at once
    std::size_t max_modules = 0;                // stop after this many jobs (0: until stopped)
    std::chrono::milliseconds idle_timeout{0};  // stop after this long idle (0: never)
    std::chrono::milliseconds poll{500};        // how often it looks for modules
    bool hotplug = true;  // also look at once when libusb reports a USB arrival/departure
    discovery::Options discovery;
    // One line per event ("sim:ec25#2: started", "... ok"), for the console.
    std::function<void(const std::string&)> say;
};

struct StationRun {
    std::vector<JobReport> reports;  // jobs of this run, in the order they ended
    std::string stop_reason;         // "signal SIGTERM", "idle", "max modules"
    bool abandoned = false;          // a second signal: jobs were left running (marked interrupted)
    std::vector<std::string> skipped;  // modules not flashed ("sim:ec25#1: already done")
    std::uint64_t hotplug_events = 0;  // USB arrivals/departures libusb reported
};

class Station {
  public:
    // Blocks SIGINT and SIGTERM in the calling thread (workers inherit it) and takes them
    // through a signalfd: construct it before starting other threads. Opens the journal.
    explicit Station(StationOptions options);
    ~Station();
    Station(const Station&) = delete;
    Station& operator=(const Station&) = delete;

    StationRun run();
    // Asks the run to stop as a first signal would (thread-safe; tests, embedding).
    void request_stop();
    const class Journal& journal() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cr::workflows
