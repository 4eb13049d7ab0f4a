// The station journal: what a restarted station reads from it, including lines cut by a crash.
#include "src/workflows/station/journal.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace cr::workflows;

namespace {

struct TempDir : cr::testing::TempDir {
    TempDir() : cr::testing::TempDir("cr-journal") {}
};

JobReport ok_report(const std::string& device, const std::string& chip) {
    JobReport r;
    r.device.name = device;
    r.chip_serial = chip;
    r.result = JobResult::ok;
    r.exit_code = 0;
    r.backup = "/b/" + chip + ".crb";
    r.partitions_done = {"sbl", "modem"};
    return r;
}

}  // namespace

TEST(Journal, ParseToleratesACutLineAndGarbage) {
    auto s = parse_journal(
        "{\"event\":\"job_start\",\"job\":\"j1\",\"device\":\"sim:ec25\",\"serial\":\"0x1\"}\n"
        "not json\n"
        "{\"event\":\"job_end\",\"job\":\"j1\",\"result\":\"ok\",\"backup\":\"/b/x\"}\n"
        "[1,2]\n"
        "{\"event\":\"job_end\",\"job\":\"j9\",\"result\":\"ok\"}\n"
        "{\"event\":\"job_start\",\"job\":\"j2\",\"device\":\"sim:ec25#2\",\"ser");
    ASSERT_EQ(s.jobs.size(), 1u);
    EXPECT_EQ(s.jobs[0].result, "ok");
    EXPECT_EQ(s.jobs[0].backup, "/b/x");
    EXPECT_EQ(s.next_id, 2u);
    ASSERT_EQ(s.skipped.size(), 4u);
    EXPECT_EQ(s.skipped[0], "line 2: not JSON (cut by a crash?)");
    EXPECT_EQ(s.skipped[1], "line 4: not a journal record");
    EXPECT_EQ(s.skipped[2], "line 5: not a journal record");  // end without start
}

TEST(Journal, HostileIdsAndTypesDoNotThrow) {
    auto s = parse_journal(
        "{\"event\":\"job_start\",\"job\":\"j99999999999999999999\"}\n"
        "{\"event\":\"job_start\",\"job\":7}\n"
        "{\"event\":\"job_end\",\"job\":\"j99999999999999999999\",\"partitions_done\":[1,\"a\"]}\n"
        "{\"event\":5}\n");
    ASSERT_EQ(s.jobs.size(), 1u);
    EXPECT_EQ(s.jobs[0].result, "failed");  // an end without a result is no success
    EXPECT_EQ(s.jobs[0].partitions_done, std::vector<std::string>{"a"});
    EXPECT_EQ(s.next_id, 1u);
}

TEST(Journal, ARestartMarksTheOpenJobInterruptedAndKnowsTheDoneOnes) {
    TempDir t;
    auto file = t.path / "j.jsonl";
    {
        Journal j(file);
        JobDevice a{"sim:ec25#1", "", "5783033b", 0, 0};
        JobDevice b{"sim:ec25#2", "1-1.2", "21d48c81", 0, 0};
        auto ida = j.job_started(a, "/pkg");
        j.job_ended(ida, ok_report(a.name, "0x5783033b"));
        auto idb = j.job_started(b, "/pkg");
        EXPECT_EQ(idb, "j2");
        EXPECT_TRUE(j.done("0x5783033b"));
        EXPECT_TRUE(j.done("5783033B"));
        EXPECT_FALSE(j.done("0x21d48c81"));
        EXPECT_FALSE(j.done(""));
    }  // "crash": j2 never ends
    {
        std::ofstream cut(file, std::ios::app);
        cut << "{\"event\":\"job_end\",\"job\":\"j2\",\"res";  // cut mid-line
    }
    Journal again(file);
    auto lost = again.interrupted_at_open();
    ASSERT_EQ(lost.size(), 1u);
    EXPECT_EQ(lost[0].id, "j2");
    EXPECT_EQ(lost[0].device, "sim:ec25#2");
    EXPECT_EQ(lost[0].serial, "0x21d48c81");
    EXPECT_TRUE(again.done("0x5783033b"));
    EXPECT_FALSE(again.done("0x21d48c81"));
    EXPECT_EQ(again.job_started({"sim:ec25#2", "", "21d48c81", 0, 0}, "/pkg"), "j3");
    // The third open sees j2 as interrupted (recorded), not open any more.
    Journal third(file);
    EXPECT_TRUE(third.interrupted_at_open().size() == 1u);
    EXPECT_EQ(third.interrupted_at_open()[0].id, "j3");
    auto jobs = third.jobs();
    ASSERT_EQ(jobs.size(), 3u);
    EXPECT_EQ(jobs[1].result, "interrupted");
    EXPECT_EQ(jobs[0].backup, "/b/0x5783033b.crb");
}
