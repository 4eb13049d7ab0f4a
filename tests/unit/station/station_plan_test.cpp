// The station plan parser: what it takes, and that every bad plan names its key.
#include "src/workflows/station/station_plan.hpp"

#include <gtest/gtest.h>

#include "src/util/error.hpp"

using namespace cr;
using namespace cr::workflows;

namespace {

StationPlan parse(const std::string& text) {
    return parse_station_plan(text, "/plans", "plan.json");
}

std::string error_of(const std::string& text) {
    try {
        parse(text);
    } catch (const DecodeError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(StationPlan, AFullPlan) {
    auto p = parse(R"({
      "version": 1,
      "models": {"ec25": {"package": "EC25EFAR06A06M4G", "firmware_after": "EC25EFAR06A06M4G"},
                 "RM500Q": {"package": "/fw/RM500QGLABR11A06M4G.zip",
                            "firmware_after": "RM500QGLABR11A06M4G"}},
      "checks": ["backup_taken", "firmware_after", "imei_unchanged"],
      "retries": 2, "jobs": 4, "backup_min_free_mb": 100,
      "report_dir": "reports", "backup_dir": "/srv/backups", "log_dir": "logs"})");
    ASSERT_EQ(p.models.size(), 2u);
    EXPECT_EQ(p.models.at("EC25").package, "/plans/EC25EFAR06A06M4G");
    EXPECT_EQ(p.models.at("EC25").firmware_after, std::optional<std::string>("EC25EFAR06A06M4G"));
    EXPECT_EQ(p.models.at("RM500Q").package, "/fw/RM500QGLABR11A06M4G.zip");
    EXPECT_EQ(p.models.at("RM500Q").firmware_after,
              std::optional<std::string>("RM500QGLABR11A06M4G"));
    EXPECT_TRUE(p.checks.backup_taken);
    EXPECT_TRUE(p.checks.imei_unchanged);
    EXPECT_FALSE(p.checks.diagnose_healthy);
    EXPECT_TRUE(p.checks.strict);
    EXPECT_EQ(p.retries, std::optional<int>(2));
    EXPECT_EQ(p.jobs, std::optional<std::size_t>(4));
    EXPECT_EQ(p.backup_min_free, std::optional<std::uint64_t>(100ull << 20));
    EXPECT_EQ(p.report_dir, std::optional<std::filesystem::path>("/plans/reports"));
    EXPECT_EQ(p.backup_dir, std::optional<std::filesystem::path>("/srv/backups"));
    EXPECT_EQ(p.log_dir, std::optional<std::filesystem::path>("/plans/logs"));
}

TEST(StationPlan, WithoutChecksTheJobDefaultsStay) {
    auto p = parse(R"({"models": {"EC25": "a"}})");
    EXPECT_EQ(p.models.at("EC25").package, "/plans/a");  // the short form
    JobChecks defaults;
    EXPECT_EQ(p.checks.backup_taken, defaults.backup_taken);
    EXPECT_EQ(p.checks.imei_unchanged, defaults.imei_unchanged);
    EXPECT_FALSE(p.checks.strict);
    EXPECT_FALSE(p.retries);
}

TEST(StationPlan, BadPlansNameTheKey) {
    struct Case {
        const char* text;
        const char* says;
    };
    const Case cases[] = {
        {"{", "plan.json: not valid JSON"},
        {"[]", "plan.json: (top): expected a JSON object"},
        {R"({})", "plan.json: models: missing"},
        {R"({"models": {}})", "plan.json: models: expected an object"},
        {R"({"models": {"EC25": "a"}, "retires": 1})", "plan.json: retires: unknown key"},
        {R"({"models": {"XZ99": "a"}})", "plan.json: models.XZ99: unknown model"},
        {R"({"models": {"EC25": 5}})", "plan.json: models.EC25: expected a package path"},
        {R"({"models": {"EC25": {}}})", "plan.json: models.EC25.package: missing"},
        {R"({"models": {"EC25": {"package": ""}}})",
         "plan.json: models.EC25.package: must not be empty"},
        {R"({"models": {"EC25": {"package": "a", "fw": "x"}}})",
         "plan.json: models.EC25.fw: unknown key"},
        {R"({"models": {"EC25": "a", "ec25": "b"}})",
         "plan.json: models.ec25: EC25 is named twice"},
        {R"({"models": {"EC25": "a"}, "checks": "backup_taken"})",
         "plan.json: checks: expected a list"},
        {R"({"models": {"EC25": "a"}, "checks": ["backup_taken", "imei"]})",
         "plan.json: checks[1]: unknown check 'imei'"},
        {R"({"models": {"EC25": "a"}, "checks": ["firmware_after"]})",
         "plan.json: models.EC25.firmware_after: missing"},
        {R"({"models": {"EC25": "a"}, "retries": -1})",
         "plan.json: retries: expected a whole number"},
        {R"({"models": {"EC25": "a"}, "retries": 1.5})",
         "plan.json: retries: expected a whole number"},
        {R"({"models": {"EC25": "a"}, "retries": 99})", "plan.json: retries: 99 is too large"},
        {R"({"models": {"EC25": "a"}, "jobs": 0})", "plan.json: jobs: must be 1 or more"},
        {R"({"models": {"EC25": "a"}, "report_dir": 3})",
         "plan.json: report_dir: expected a string"},
        {R"({"models": {"EC25": "a"}, "version": 2})", "plan.json: version: this cellrescue reads"},
    };
    for (const auto& c : cases) {
        std::string e = error_of(c.text);
        EXPECT_EQ(e.rfind(c.says, 0), 0u) << c.text << "\n -> " << e;
    }
}

TEST(StationPlan, AMissingFileIsAnIoError) {
    EXPECT_THROW(load_station_plan("/nonexistent/plan.json"), IoError);
}
