#include "cli/logging_setup.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace cr::cli {

void setup_logging(int verbosity, const std::string& log_file) {
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_level(verbosity >= 2   ? spdlog::level::debug
                       : verbosity == 1 ? spdlog::level::info
                                        : spdlog::level::warn);
    console->set_pattern("%^%l%$: %v");
    std::vector<spdlog::sink_ptr> sinks{console};
    if (!log_file.empty()) {
        auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file, true);
        file->set_level(spdlog::level::trace);
        file->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
        sinks.push_back(file);
    }
    auto logger = std::make_shared<spdlog::logger>("cellrescue", sinks.begin(), sinks.end());
    logger->set_level(log_file.empty() && verbosity < 3 ? console->level() : spdlog::level::trace);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

}  // namespace cr::cli
