// Per-job log files: while a job's thread is attached, everything it logs (at debug and up)
// also goes to its own file, whatever the console shows. Installed on the default logger for
// the lifetime of a JobLogs (one per run of many jobs).
#pragma once
#include <filesystem>
#include <memory>

namespace cr::workflows {

class JobLogRouter;

class JobLogs {
  public:
    JobLogs();
    ~JobLogs();
    JobLogs(const JobLogs&) = delete;
    JobLogs& operator=(const JobLogs&) = delete;

    // Routes the calling thread's log lines to `file` (appended) until the Attachment ends.
    class Attachment {
      public:
        Attachment(JobLogs* logs, const std::filesystem::path& file);
        ~Attachment();
        Attachment(const Attachment&) = delete;
        Attachment& operator=(const Attachment&) = delete;

      private:
        std::shared_ptr<JobLogRouter> router_;
        std::size_t thread_ = 0;
    };

  private:
    std::shared_ptr<JobLogRouter> router_;
    int old_level_ = 0;
};

}  // namespace cr::workflows
