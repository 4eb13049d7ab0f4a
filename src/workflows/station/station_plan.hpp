// A station's plan file (JSON or TOML): which package each model gets, which checks a module must
// pass, retries, and where reports, logs and backups go. Relative paths are relative to the plan
// file's folder. Unknown keys are errors (a typo must not silently drop a check). Format in
// docs/station.md.
#pragma once
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "src/workflows/station/flash_job.hpp"

namespace cr::workflows {

struct ModelPlan {
    std::filesystem::path package;
    std::optional<std::string> firmware_after;  // what the module must report after the flash
};

struct StationPlan {
    std::map<std::string, ModelPlan> models;  // by family: "EC25", "RM500Q"
    JobChecks checks;                         // the required ones; strict (must be evaluated)
    std::optional<int> retries;
    std::optional<std::size_t> jobs;
    std::optional<std::uint64_t> backup_min_free;  // bytes
    std::optional<std::filesystem::path> report_dir, backup_dir, log_dir;
};

// Throws DecodeError naming the file and the key ("plan.json: models.EC25.package: expected a
// string") for anything it cannot take.
StationPlan parse_station_plan(std::string_view text, const std::filesystem::path& base_dir,
                               std::string_view source = "plan");
// The same plan from TOML (toml++): the TOML document becomes the JSON one (tables -> objects,
// arrays, strings, integers, floats, booleans; a date or time is an error naming its key), so
// both formats take the same keys with the same checks and errors.
StationPlan parse_station_plan_toml(std::string_view text, const std::filesystem::path& base_dir,
                                    std::string_view source = "plan.toml");
// The checks on a parsed document (JSON object, or TOML converted).
StationPlan plan_from_document(const nlohmann::json& doc, const std::filesystem::path& base_dir,
                               std::string_view source);
// Reads and parses the file (".toml": TOML, else JSON) (IoError when it cannot be read).
StationPlan load_station_plan(const std::filesystem::path& file);

}  // namespace cr::workflows
