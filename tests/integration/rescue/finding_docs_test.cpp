// Every finding id the rules can produce is documented in docs/diagnose.md.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(FindingDocs, EveryIdIsDocumented) {
    const std::string src = CR_SOURCE_DIR;
    std::string rules = slurp(src + "/src/workflows/diagnose/diagnose_rules.cpp") +
                        slurp(src + "/src/workflows/diagnose/diagnose_ublox.cpp") +
                        slurp(src + "/src/workflows/diagnose/diagnose_calibration_rules.cpp");
    std::string docs = slurp(src + "/docs/diagnose.md");
    ASSERT_FALSE(rules.empty());
    ASSERT_FALSE(docs.empty());
    std::set<std::string> ids;
    std::regex id_re(R"re((?:push_back\(\s*\{|Finding\{)\s*"([a-z0-9-]+)")re");
    for (std::sregex_iterator it(rules.begin(), rules.end(), id_re), end; it != end; ++it)
        ids.insert((*it)[1]);
    for (const char* required :
         {"efs2-wiped", "imei-missing", "ftm-mode", "cfun7-pending-reset", "baseline-changed",
          "sim-missing", "healthy", "ublox-engineering-firmware", "ublox-full-flash-required",
          "ublox-mno-profile-unset", "restore-interrupted", "restore-journal-stale",
          "calibration-incomplete", "cfun5-unexplained", "restore-verify-failed"})
        EXPECT_TRUE(ids.count(required)) << required << " is not produced by the rules";
    for (const auto& id : ids)
        EXPECT_NE(docs.find("### `" + id + "`"), std::string::npos)
            << id << " is not documented in docs/diagnose.md";
}

}  // namespace
