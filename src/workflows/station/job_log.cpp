#include "src/workflows/station/job_log.hpp"

#include <spdlog/details/os.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>

namespace cr::workflows {

class JobLogRouter : public spdlog::sinks::base_sink<std::mutex> {
  public:
    void attach(std::size_t thread, const std::filesystem::path& file) {
        std::lock_guard guard(mutex_);
        auto out = std::make_unique<std::ofstream>(file, std::ios::app);
        if (*out) files_[thread] = std::move(out);
    }
    void detach(std::size_t thread) {
        std::lock_guard guard(mutex_);
        files_.erase(thread);
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        auto it = files_.find(msg.thread_id);
        if (it == files_.end()) return;
        spdlog::memory_buf_t line;
        formatter_->format(msg, line);
        it->second->write(line.data(), static_cast<std::streamsize>(line.size()));
        it->second->flush();  // a crash must not lose the job's last lines
    }
    void flush_() override {
        for (auto& [t, f] : files_) f->flush();
    }

  private:
    std::map<std::size_t, std::unique_ptr<std::ofstream>> files_;
};

JobLogs::JobLogs() : router_(std::make_shared<JobLogRouter>()) {
    router_->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
    router_->set_level(spdlog::level::debug);
    auto logger = spdlog::default_logger();
    logger->sinks().push_back(router_);  // before any job thread runs
    old_level_ = static_cast<int>(logger->level());
    if (logger->level() > spdlog::level::debug) {
        // The console sinks keep their own levels; the logger must let debug lines through.
        for (auto& s : logger->sinks())
            if (s != router_ && s->level() < logger->level()) s->set_level(logger->level());
        logger->set_level(spdlog::level::debug);
    }
}

JobLogs::~JobLogs() {
    auto logger = spdlog::default_logger();
    auto& sinks = logger->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), router_), sinks.end());
    logger->set_level(static_cast<spdlog::level::level_enum>(old_level_));
}

JobLogs::Attachment::Attachment(JobLogs* logs, const std::filesystem::path& file) {
    if (!logs || file.empty()) return;
    router_ = logs->router_;
    thread_ = spdlog::details::os::thread_id();
    router_->attach(thread_, file);
}

JobLogs::Attachment::~Attachment() {
    if (router_) router_->detach(thread_);
}

}  // namespace cr::workflows
