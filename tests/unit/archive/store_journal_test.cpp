// The backup store's journal: restores started and finished, crash-cut lines.
#include "src/archive/store_journal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace cr::archive;

namespace {

struct JournalDir {
    fs::path path;
    JournalDir() {
        std::string tmpl = (fs::temp_directory_path() / "cr-journal-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~JournalDir() { fs::remove_all(path); }
};

JournalDevice dev(std::string name) {
    return {std::move(name), true, {"490154203237518"}, 0x1234, 0x80000001};
}

TEST(StoreJournal, MissingJournalHasNoOpenRestores) {
    JournalDir d;
    EXPECT_TRUE(StoreJournal(d.path / "none").open_restores().empty());
}

TEST(StoreJournal, StartedIsOpenUntilFinished) {
    JournalDir d;
    StoreJournal j(d.path / "store");
    std::string a = j.restore_started("/b/a.crb", dev("sim:rm520n"));
    std::string b = j.restore_started("/b/b.crb", dev("sim:ec25"));
    EXPECT_NE(a, b);
    auto open = j.open_restores();
    ASSERT_EQ(open.size(), 2u);
    EXPECT_EQ(open[0].id, a);
    EXPECT_EQ(open[0].source, "/b/a.crb");
    EXPECT_EQ(open[0].device.name, "sim:rm520n");
    EXPECT_EQ(open[0].device.imeis, std::vector<std::string>{"490154203237518"});
    EXPECT_EQ(open[0].device.chip_serial, 0x1234u);
    EXPECT_EQ(open[0].device.esn, 0x80000001u);
    EXPECT_FALSE(open[0].started.empty());
    j.restore_finished({a});
    open = StoreJournal(d.path / "store").open_restores();
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].id, b);
}

TEST(StoreJournal, ALineCutByACrashIsSkippedAndTheNextAppendStartsClean) {
    JournalDir d;
    StoreJournal j(d.path);
    std::string a = j.restore_started("/b/a.crb", dev("sim:rm520n"));
    {
        std::ofstream out(j.file(), std::ios::app);
        out << R"({"event":"restore-started","id":"cut","sou)";  // no newline: killed here
    }
    std::string b = j.restore_started("/b/b.crb", dev("sim:rm520n"));
    auto open = j.open_restores();
    ASSERT_EQ(open.size(), 2u);
    EXPECT_EQ(open[0].id, a);
    EXPECT_EQ(open[1].id, b);
}

TEST(StoreJournal, RecordsOfTheWrongShapeAreIgnored) {
    JournalDir d;
    StoreJournal j(d.path);
    {
        std::ofstream out(j.file());
        out << "not json\n"
            << R"({"event":"restore-started"})"
            << "\n"  // no id
            << R"({"event":"restore-finished","ids":"x"})"
            << "\n"
            << R"([1,2,3])"
            << "\n";
    }
    EXPECT_TRUE(j.open_restores().empty());
    j.restore_started("/x.crb", dev("sim:rm520n"));
    EXPECT_EQ(j.open_restores().size(), 1u);
}

}  // namespace

namespace {

TEST(StoreJournal, AVerifyFailedRestoreStaysOpenAndSaysSo) {
    JournalDir d;
    StoreJournal j(d.path);
    std::string a = j.restore_started("/b/a.crb", dev("sim:rm520n"));
    std::string b = j.restore_started("/b/b.crb", dev("sim:rm520n"));
    j.restore_verify_failed(a, 3);
    auto open = j.open_restores();
    ASSERT_EQ(open.size(), 2u);
    EXPECT_TRUE(open[0].verify_failed);
    EXPECT_EQ(open[0].differences, 3u);
    EXPECT_FALSE(open[1].verify_failed);
    j.restore_finished({a});
    open = j.open_restores();
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].id, b);
}

}  // namespace
