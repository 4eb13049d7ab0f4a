// A run's results for people (a summary table), programs (JSON) and CI systems (JUnit XML).
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/workflows/station/flash_job.hpp"

namespace cr::workflows {

nlohmann::json to_json(const JobReport& report);
// {"package", "devices": [...], "summary": {"total", "ok", "failed", ...}, "all_ok"}
nlohmann::json runs_to_json(const std::string& package, const std::vector<JobReport>& reports);
// device, USB path, chip serial, IMEI, firmware before/after, backup, bytes, seconds, result;
// then one line per failure with what happened, its state and what to do.
std::string summary_table(const std::vector<JobReport>& reports);
// One <testcase> per device; failures carry the error, state and next step.
std::string to_junit(const std::string& package, const std::vector<JobReport>& reports);
bool all_ok(const std::vector<JobReport>& reports);
// Writes text atomically (temp + fsync + rename). Throws IoError.
void write_report_file(const std::filesystem::path& file, const std::string& text);

}  // namespace cr::workflows
