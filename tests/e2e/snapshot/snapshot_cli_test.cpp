// The built binary, issue 15's "done when": a virtual RM520N is snapshotted, flashed with a
// factory package that wipes efs2 and resets its settings, restored from the snapshot, and then
// compares equal (partitions by SHA-256, settings by value, diagnose healthy). A setting the new
// firmware no longer knows is reported, not forced. Exit codes of damaged input.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "src/archive/bundle.hpp"
#include "tests/e2e/cli_run.hpp"

namespace fs = std::filesystem;

namespace {

class SnapshotCli : public ::testing::Test {
  protected:
    fs::path root;
    std::string prog;
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-e2e-snapshot-XXXXXX").string();
        root = ::mkdtemp(tmpl.data());
        prog = (root / "prog_firehose_sdx62.elf").string();
        ASSERT_EQ(run("sim make-programmer --model rm520n -o " + prog).code, 0);
    }
    void TearDown() override { fs::remove_all(root); }

    cr::testing::CliRun run(const std::string& args) {
        return cr::testing::run_shell(std::string("timeout 600 ") + CR_BINARY + " --sim-dir " +
                                      (root / "sim").string() + " --backup-dir " +
                                      (root / "backups").string() + " " + args + " 2>/dev/null");
    }
    nlohmann::json json(const std::string& args, int expect = 0) {
        auto r = run("--json " + args);
        EXPECT_EQ(r.code, expect) << args << "\n" << r.out.substr(0, 4000);
        return nlohmann::json::parse(r.out, nullptr, false);
    }
    static std::map<std::string, std::string> digests(const nlohmann::json& snapshot_report) {
        std::map<std::string, std::string> out;
        for (const auto& e : snapshot_report["entries"]) out[e["name"]] = e["sha256"];
        return out;
    }
    // The snapshot's settings record, as a file `settings diff` takes.
    fs::path settings_of(const fs::path& snap) {
        auto reader = cr::archive::BundleReader::open(snap, cr::archive::BundleReader::Check::full);
        cr::Bytes b = reader.read_entry(*reader.find("settings.json"));
        fs::path out = root / "settings.json";
        std::ofstream(out, std::ios::binary)
            .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        return out;
    }
};

TEST_F(SnapshotCli, SnapshotFactoryFlashRestoreComparesEqual) {
    ASSERT_EQ(run("at send \"AT+QCFG=\\\"usbnet\\\",2\" \"AT+QCFG=\\\"nat\\\",1\" \"AT+QMAPWAC=1\" "
                  "\"AT+QNWPREFCFG=\\\"nr5g_band\\\",41:78\" "
                  "\"AT+CGDCONT=4,\\\"IP\\\",\\\"iot.example\\\"\" -d sim:rm520n")
                  .code,
              0);
    std::string snap = (root / "rm520n.crb").string();
    auto taken = json("snapshot -d sim:rm520n --programmer " + prog + " -o " + snap);
    ASSERT_EQ(taken["file"], snap);
    EXPECT_EQ(taken["settings"], true);
    EXPECT_EQ(taken["calibration"], true);
    auto before = digests(taken);
    ASSERT_TRUE(before.count("efs2") && before.count("mibib"));  // RM520N: NAND, MIBIB
    fs::path record = settings_of(snap);

    // A factory flash: efs2 (cefs) and every setting back to the factory's.
    std::string pkg = (root / "pkg").string();
    ASSERT_EQ(run("sim make-firmware --model rm520n --with-factory -o " + pkg).code, 0);
    ASSERT_EQ(run("--yes flash " + pkg + " -d sim:rm520n --factory --programmer " + prog).code, 0);
    EXPECT_EQ(json("settings diff " + record.string() + " -d sim:rm520n", 8)["identical"], false);

    auto restored = json("--yes snapshot restore " + snap + " -d sim:rm520n --programmer " + prog);
    EXPECT_EQ(restored["ok"], true) << restored.dump(1).substr(0, 4000);
    EXPECT_EQ(restored["entries"].size(), before.size());  // the report lists device entries only
    for (const auto& e : restored["entries"]) EXPECT_EQ(e["verified"], true) << e["name"];
    EXPECT_EQ(restored["settings"]["verified"], true) << restored["settings"].dump(1);

    // Equal: settings by value, diagnose healthy, every partition by SHA-256.
    EXPECT_EQ(json("settings diff " + record.string() + " -d sim:rm520n")["identical"], true);
    EXPECT_EQ(json("diagnose -d sim:rm520n")["healthy"], true);
    auto again = json("snapshot -d sim:rm520n --edl-only --programmer " + prog + " -o " +
                      (root / "after.crb").string());
    auto after = digests(again);
    for (const auto& [name, sha] : after) {
        ASSERT_TRUE(before.count(name)) << name;
        EXPECT_EQ(sha, before[name]) << name << " differs after the restore";
    }
    EXPECT_EQ(after.size(), before.size());

    // Newer firmware (R03) no longer knows nat and QMAPWAC: reported, not forced.
    ASSERT_EQ(run("sim set rm520n --state normal --firmware RM520NGLAAR03A03M4G").code, 0);
    auto newer =
        json("--yes snapshot restore " + snap + " -d sim:rm520n --only misc --programmer " + prog);
    EXPECT_EQ(newer["ok"], true);
    std::map<std::string, std::string> status;
    for (const auto& s : newer["settings"]["settings"]) status[s["id"]] = s["status"];
    EXPECT_EQ(status["qcfg/nat"], "unknown");
    EXPECT_EQ(status["qmapwac"], "unknown");
    EXPECT_EQ(status["qcfg/usbnet"], "kept");
}

TEST_F(SnapshotCli, DamagedOrForeignSnapshotsExitWithoutTouchingTheModule) {
    std::string snap = (root / "two.crb").string();
    ASSERT_EQ(run("snapshot -d sim:rm520n#2 --edl-only --programmer " + prog + " -o " + snap).code,
              0);
    // Another module's snapshot: safety (7), nothing written, the module still in normal mode.
    auto r =
        run("--yes snapshot restore " + snap + " -d sim:rm520n --no-reset --programmer " + prog);
    EXPECT_EQ(r.code, 7) << r.out;
    EXPECT_NE(run("sim show rm520n").out.find("mode normal"), std::string::npos);
    std::string bad = (root / "bad.crb").string();
    fs::copy_file(snap, bad);
    fs::resize_file(bad, fs::file_size(bad) / 2);
    EXPECT_EQ(run("--yes snapshot restore " + bad + " -d sim:rm520n#2").code, 10);
    EXPECT_EQ(run("snapshot export " + bad + " --rawprogram " + (root / "x").string()).code, 10);
    EXPECT_FALSE(fs::exists(root / "x" / "rawprogram0.xml"));
    auto e = json("snapshot export " + snap + " --rawprogram " + (root / "x").string());
    EXPECT_GT(e["programs"].get<int>(), 10);
    EXPECT_TRUE(fs::exists(root / "x" / "rawprogram0.xml"));
}

}  // namespace
