// Issue 13 item 4: temporary files of killed writes are found, reported and removed by the
// next store operation, while files of writes still running are left alone.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "src/archive/backup_store.hpp"
#include "src/archive/bundle.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/temp_file.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace cr;
using namespace cr::archive;

namespace {

struct TempDir : cr::testing::TempDir {
    TempDir() : cr::testing::TempDir("cr-store") {}
};

DeviceIdentity identity() {
    DeviceIdentity id;
    id.chip_serial = "0x11223344";
    id.imeis = {"490154203237518"};
    id.model = "rm520n";
    return id;
}

// A child process starts a bundle, writes one entry, tells us, and is SIGKILLed mid-write:
// what a backup killed while writing its bundle leaves behind.
void killed_backup(const fs::path& target) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(ready[0]);
        BundleWriter w(target, BundleKind::calibration, identity(), {});
        w.add("nv/550/sub0", as_bytes("half a backup"));
        [[maybe_unused]] auto n = ::write(ready[1], "r", 1);
        ::sleep(30);  // bounded: the parent kills us long before
        ::_exit(3);
    }
    ::close(ready[1]);
    pollfd p{ready[0], POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 30000), 1) << "the writer never got going";
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ::close(ready[0]);
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status));
}

std::vector<fs::path> names_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename());
    return out;
}

}  // namespace

TEST(TempFile, NamesOfTempFilesAreRecognised) {
    EXPECT_TRUE(is_temp_name(".a.crb.tmp1234"));
    EXPECT_TRUE(is_temp_name(".backup.xqcn.sha256.tmp0"));
    EXPECT_FALSE(is_temp_name("a.crb"));
    EXPECT_FALSE(is_temp_name(".a.crb.tmp"));
    EXPECT_FALSE(is_temp_name(".a.crb.tmp12x"));
    EXPECT_FALSE(is_temp_name("a.crb.tmp12"));  // not hidden: not ours
    EXPECT_FALSE(is_temp_name(".tmp12"));
}

TEST(TempFile, LockedWhileHeldOrphanedAfter) {
    TempDir dir;
    fs::path path;
    {
        LockedTemp t(dir.path / "x.crb");
        path = t.path();
        EXPECT_TRUE(is_temp_name(path.filename().string())) << path;
        EXPECT_EQ(probe_temp(path, true), TempState::in_use);
        EXPECT_TRUE(fs::exists(path));
    }
    EXPECT_EQ(probe_temp(path, false), TempState::orphaned);
    EXPECT_TRUE(fs::exists(path));
    EXPECT_EQ(probe_temp(path, true), TempState::removed);
    EXPECT_FALSE(fs::exists(path));
    EXPECT_EQ(probe_temp(path, true), TempState::gone);
}

TEST(BackupStoreCleanup, KilledBackupIsListedThenRemovedByTheNextBackup) {
    TempDir dir;
    BackupStore store(dir.path);
    auto target = store.new_bundle_path(BundleKind::calibration, identity());
    killed_backup(target);
    EXPECT_FALSE(fs::exists(target));  // never a half bundle under the final name

    auto left = store.incomplete();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_FALSE(left[0].in_use);
    EXPECT_GT(left[0].size, 0u);
    EXPECT_EQ(left[0].file.parent_path(), dir.path);
    EXPECT_TRUE(store.list().empty());  // not a bundle
    EXPECT_EQ(store.incomplete().size(), 1u) << "listing must not change the store";

    auto next = store.new_bundle_path(BundleKind::calibration, identity());
    EXPECT_TRUE(store.incomplete().empty());
    EXPECT_TRUE(names_in(dir.path).empty());
    BundleWriter w(next, BundleKind::calibration, identity(), {});
    w.add("nv/550/sub0", as_bytes("a whole backup"));
    w.commit();
    ASSERT_EQ(store.list().size(), 1u);
    EXPECT_TRUE(store.incomplete().empty());
}

TEST(BackupStoreCleanup, RunningWritesAreReportedAndKept) {
    TempDir dir;
    BackupStore store(dir.path);
    BundleWriter running(dir.path / "running.crb", BundleKind::calibration, identity(), {});
    running.add("nv/550/sub0", as_bytes("in progress"));
    auto other = store.new_bundle_path(BundleKind::calibration, identity());  // cleans
    (void)other;
    auto left = store.incomplete();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_TRUE(left[0].in_use);
    EXPECT_TRUE(store.clean_incomplete().empty());
    running.commit();
    EXPECT_TRUE(fs::exists(dir.path / "running.crb"));
    EXPECT_TRUE(store.incomplete().empty());
}

TEST(BackupStoreCleanup, AtomicFileTempsOfKilledWritersAreCleanedToo) {
    TempDir dir;
    BackupStore store(dir.path);
    // The temp of an atomic write (digests, settings) killed before its rename: the lock died
    // with the writer, so it is orphaned.
    fs::path orphan;
    {
        LockedTemp t(dir.path / "a.crb.sha256");
        orphan = t.path();
    }
    std::ofstream(dir.path / "notes.txt") << "not ours";
    std::ofstream(dir.path / ".hidden") << "not ours either";
    write_file_atomically(dir.path / "done.json", as_bytes("{}"));
    auto removed = store.clean_incomplete();
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].file, orphan);
    EXPECT_TRUE(fs::exists(dir.path / "notes.txt"));
    EXPECT_TRUE(fs::exists(dir.path / ".hidden"));
    EXPECT_TRUE(fs::exists(dir.path / "done.json"));
    EXPECT_FALSE(fs::exists(orphan));
}

TEST(BackupStoreCleanup, MissingStoreHasNothingIncomplete) {
    BackupStore store("/nonexistent/cellrescue-store");
    EXPECT_TRUE(store.incomplete().empty());
    EXPECT_TRUE(store.clean_incomplete().empty());
}
