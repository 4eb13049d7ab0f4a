// A station's journal: one JSON object per line, appended and fsync'd before the step it records
// goes on, so a station that crashes or is restarted knows which modules are done, which job was
// interrupted (a "job_start" without its "job_end") and where every backup is. Format in
// docs/station.md.
#pragma once
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "src/workflows/station/flash_job.hpp"

namespace cr::workflows {

// One job as the journal tells it.
struct JournalJob {
    std::string id;      // "j7"
    std::string device;  // "sim:ec25#2", "usb:1-1.2"
    std::string usb_path;
    std::string serial;       // as discovery saw it when the job started
    std::string chip_serial;  // as the job found it (Sahara), when it ended
    std::string package;
    std::string result;  // "ok", "failed", "refused", "interrupted"; "" while running
    std::string backup;  // calibration bundle, when one was taken
    std::vector<std::string> partitions_done;
    bool found_at_restart = false;  // interrupted: its end was never written
};

// What a journal's text says: its jobs in start order, and lines it could not read (a line cut by
// a crash, garbage). Never throws.
struct JournalState {
    std::vector<JournalJob> jobs;
    std::vector<std::string> skipped;  // "line 4: ..." per unreadable line
    std::size_t next_id = 1;
};
JournalState parse_journal(std::string_view text);

class Journal {
  public:
    // Opens (or creates) the journal, reads it, and records every job it shows as started but
    // not ended as interrupted. Throws IoError when the file cannot be opened or written.
    explicit Journal(std::filesystem::path file);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // Writes "job_start" and returns the job's id.
    std::string job_started(const JobDevice& device, const std::filesystem::path& package);
    void job_ended(const std::string& id, const JobReport& report);
    // Any other event ("station_start", "station_stop"...), with a time stamp added.
    void event(nlohmann::json record);

    // A job for this serial (discovered or chip serial) ended ok, in this or an earlier run.
    bool done(std::string_view serial) const;
    // Jobs that were running when the station last stopped without writing their end.
    std::vector<JournalJob> interrupted_at_open() const;
    std::vector<JournalJob> jobs() const;
    const std::vector<std::string>& skipped_lines() const { return skipped_; }
    const std::filesystem::path& path() const { return file_; }

  private:
    void append(nlohmann::json record);
    JournalJob* find(const std::string& id);

    std::filesystem::path file_;
    int fd_ = -1;
    mutable std::mutex mutex_;
    std::vector<JournalJob> jobs_;
    std::vector<JournalJob> interrupted_;
    std::vector<std::string> skipped_;
    std::size_t next_id_ = 1;
};

}  // namespace cr::workflows
