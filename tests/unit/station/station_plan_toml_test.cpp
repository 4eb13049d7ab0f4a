// TOML plan files: the same plan as JSON, the same key-naming errors, and hostile TOML refused
// with a DecodeError (never a crash, never a half-read plan).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "src/util/error.hpp"
#include "src/workflows/station/station_plan.hpp"

using namespace cr;
using namespace cr::workflows;

namespace {

StationPlan parse_toml(const std::string& text) {
    return parse_station_plan_toml(text, "/plans", "plan.toml");
}

std::string toml_error(const std::string& text) {
    try {
        parse_toml(text);
    } catch (const DecodeError& e) {
        return e.what();
    }
    return "(no error)";
}

constexpr const char* kFull = R"(
version = 1
checks = ["backup_taken", "firmware_after", "imei_unchanged"]
retries = 2
jobs = 4
backup_min_free_mb = 100
report_dir = "reports"
backup_dir = "/srv/backups"
log_dir = "logs"

[models.ec25]
package = "EC25EFAR06A06M4G"
firmware_after = "EC25EFAR06A06M4G"

[models.RM500Q]
package = "/fw/RM500QGLABR11A06M4G.zip"
firmware_after = "RM500QGLABR11A06M4G"
)";

}  // namespace

TEST(StationPlanToml, TheSamePlanAsItsJson) {
    auto t = parse_toml(kFull);
    auto j = parse_station_plan(R"({
      "version": 1,
      "models": {"ec25": {"package": "EC25EFAR06A06M4G", "firmware_after": "EC25EFAR06A06M4G"},
                 "RM500Q": {"package": "/fw/RM500QGLABR11A06M4G.zip",
                            "firmware_after": "RM500QGLABR11A06M4G"}},
      "checks": ["backup_taken", "firmware_after", "imei_unchanged"],
      "retries": 2, "jobs": 4, "backup_min_free_mb": 100,
      "report_dir": "reports", "backup_dir": "/srv/backups", "log_dir": "logs"})",
                                "/plans");
    ASSERT_EQ(t.models.size(), 2u);
    EXPECT_EQ(t.models.at("EC25").package, "/plans/EC25EFAR06A06M4G");
    EXPECT_EQ(t.models.at("RM500Q").firmware_after, j.models.at("RM500Q").firmware_after);
    EXPECT_EQ(t.checks.strict, j.checks.strict);
    EXPECT_EQ(t.checks.firmware_after, j.checks.firmware_after);
    EXPECT_EQ(t.retries, j.retries);
    EXPECT_EQ(t.jobs, j.jobs);
    EXPECT_EQ(t.backup_min_free, std::optional<std::uint64_t>(100ull << 20));
    EXPECT_EQ(t.report_dir, j.report_dir);
    EXPECT_EQ(t.backup_dir, j.backup_dir);
    EXPECT_EQ(t.log_dir, std::optional<std::filesystem::path>("/plans/logs"));
}

TEST(StationPlanToml, TheShortFormAndInlineTables) {
    auto p = parse_toml("models = { EC25 = \"a\", RM520N = { package = \"b\" } }\n");
    EXPECT_EQ(p.models.at("EC25").package, "/plans/a");
    EXPECT_EQ(p.models.at("RM520N").package, "/plans/b");
}

TEST(StationPlanToml, BadPlansNameTheKey) {
    struct Case {
        std::string text, says;
    };
    std::vector<Case> cases{
        {"", "plan.toml: models: missing"},
        {"[models]\nEC25 = \"a\"\nretries = -1\n", "plan.toml: models.retries:"},
        {"retries = -1\n[models]\nEC25 = \"a\"\n", "plan.toml: retries: expected a whole number"},
        {"jobs = 0\nmodels = {EC25 = \"a\"}\n", "plan.toml: jobs: must be 1 or more"},
        {"jobs = 1.5\nmodels = {EC25 = \"a\"}\n", "plan.toml: jobs: expected a whole number"},
        {"checks = [\"imei\"]\nmodels = {EC25 = \"a\"}\n", "plan.toml: checks[0]: unknown check"},
        {"chekcs = []\nmodels = {EC25 = \"a\"}\n", "plan.toml: chekcs: unknown key"},
        {"when = 1979-05-27T07:32:00Z\nmodels = {EC25 = \"a\"}\n",
         "plan.toml: when: a date or time"},
        {"models = {EC25 = 1979-05-27}\n", "plan.toml: models.EC25: a date or time"},
        {"version = 2\nmodels = {EC25 = \"a\"}\n", "plan.toml: version:"},
    };
    for (const auto& c : cases) {
        std::string e = toml_error(c.text);
        EXPECT_EQ(e.rfind(c.says, 0), 0u) << c.text << "\n -> " << e;
    }
}

TEST(StationPlanToml, HostileTomlIsRefusedWithItsPlace) {
    for (std::string text : {
             std::string("models = {EC25 = \"a\"\n"),                // unterminated inline table
             std::string("[models]\nEC25 = \"a\"\nEC25 = \"b\"\n"),  // duplicate key
             std::string("models = \"\\uD800\"\n"),                  // a lone surrogate
             std::string("a = ") + std::string(5000, '[') + "\n",    // nested arrays
             std::string("\0\xff\xfe = 1\n", 7),                     // NUL and bad UTF-8
             std::string(kFull).substr(0, 120),                      // cut mid-way
         }) {
        std::string e = toml_error(text);
        EXPECT_EQ(e.rfind("plan.toml: ", 0), 0u) << e;
        EXPECT_NE(e, "(no error)");
    }
    EXPECT_NE(toml_error("models = {EC25 = \"a\"\n").find("not valid TOML: line 1"),
              std::string::npos);
}

TEST(StationPlanToml, LoadPicksTheFormatByExtension) {
    auto dir =
        std::filesystem::temp_directory_path() / ("cr-plan-toml-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "plan.toml") << "[models]\nEC25 = \"fw\"\n";
    auto p = load_station_plan(dir / "plan.toml");
    EXPECT_EQ(p.models.at("EC25").package, dir / "fw");
    std::ofstream(dir / "plan.json") << "[models]\nEC25 = \"fw\"\n";  // TOML in a .json file
    EXPECT_THROW(load_station_plan(dir / "plan.json"), DecodeError);
    std::filesystem::remove_all(dir);
}
