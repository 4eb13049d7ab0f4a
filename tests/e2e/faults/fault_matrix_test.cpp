// The fault matrix (issue 13): the built binary killed with SIGKILL at kill points
// (CELLRESCUE_KILL_POINT, src/util/kill_point.hpp) during flash, backup and restore of a
// virtual RM520N, then `diagnose`, `rescue` and a second run, asserting that no verdict says
// more than the evidence: never "healthy" or "repaired" while calibration is missing.
// One backup and one firmware package are made for the whole suite and copied per test.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "src/workflows/backup/backup.hpp"
#include "src/workflows/backup/backup_bundle.hpp"

namespace fs = std::filesystem;

namespace {

struct CliRun {
    int code = -1;  // exit status, 128 + signal when killed
    std::string out;
    nlohmann::json json() const { return nlohmann::json::parse(out, nullptr, false); }
};

CliRun run_cli(const std::string& env, const std::string& args) {
    std::string cmd = env + " " + std::string(CR_BINARY) + " " + args + " 2>/dev/null </dev/null";
    CliRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
    int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

constexpr int kKilled = 128 + 9;
constexpr int kCritical = 11;  // diagnose: a critical finding (README)

bool has_finding(const nlohmann::json& diagnosis, const std::string& id) {
    for (const auto& f : diagnosis["findings"])
        if (f["id"] == id) return true;
    return false;
}

class FaultMatrix : public ::testing::Test {
  protected:
    // The suite's template: a calibrated module, its backup, a firmware package.
    static void SetUpTestSuite() {
        std::string tmpl = (fs::temp_directory_path() / "cr-faults-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        base_ = new fs::path(tmpl);
        std::string g = globals(*base_);
        ASSERT_EQ(run_cli("", g + " sim set rm520n --state healthy").code, 0);
        CliRun b = run_cli("", g + " --json backup -d sim:rm520n");
        ASSERT_EQ(b.code, 0) << b.out;
        *good_ = b.json()["bundle"].get<std::string>();
        ASSERT_EQ(
            run_cli("", g + " sim make-firmware --model rm520n -o " + (*base_ / "pkg").string())
                .code,
            0);
        ASSERT_EQ(run_cli("", g + " sim make-firmware --model rm520n --with-factory -o " +
                                  (*base_ / "pkgf").string())
                      .code,
                  0);
    }
    static void TearDownTestSuite() {
        fs::remove_all(*base_);
        delete base_;
        base_ = nullptr;
    }
    void SetUp() override {
        ASSERT_NE(base_, nullptr);
        dir_ = *base_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
        fs::create_directories(dir_);
        fs::copy(*base_ / "sim", dir_ / "sim", fs::copy_options::recursive);
        fs::copy(*base_ / "b", dir_ / "b", fs::copy_options::recursive);
        good = (dir_ / "b" / fs::path(*good_).filename()).string();
        pkg = (*base_ / "pkg").string();
        pkgf = (*base_ / "pkgf").string();
    }
    void TearDown() override { fs::remove_all(dir_); }

    static std::string globals(const fs::path& d) {
        return "--sim-dir " + (d / "sim").string() + " --backup-dir " + (d / "b").string();
    }
    CliRun cli(const std::string& args, const std::string& kill_at = {}) {
        std::string env = kill_at.empty() ? "" : "CELLRESCUE_KILL_POINT='" + kill_at + "'";
        return run_cli(env, globals(dir_) + " " + args);
    }
    // diagnose --json: its exit status must agree with its verdict.
    nlohmann::json diagnose(int expect_code) {
        CliRun d = cli("--json diagnose -d sim:rm520n");
        EXPECT_EQ(d.code, expect_code) << d.out;
        auto j = d.json();
        EXPECT_EQ(j["healthy"], expect_code == 0) << d.out;
        return j;
    }
    // rescue --yes --json; returns the report.
    nlohmann::json rescue(int expect_code, const std::string& extra = {}) {
        CliRun r = cli("--json rescue -d sim:rm520n --yes " + extra);
        EXPECT_EQ(r.code, expect_code) << r.out;
        return r.json();
    }
    // After a repair: healthy, and a second rescue has nothing to do.
    void second_run_is_healthy() {
        diagnose(0);
        EXPECT_EQ(rescue(0)["outcome"], "healthy");
    }
    std::size_t bundles() {
        auto j = cli("--json backups list").json();
        std::size_t n = 0;
        for (const auto& b : j["bundles"]) n += b.value("readable", true) ? 1 : 0;
        return n;
    }

    static fs::path* base_;
    static std::string* good_;
    fs::path dir_;
    std::string good, pkg, pkgf;
};

fs::path* FaultMatrix::base_ = nullptr;
std::string* FaultMatrix::good_ = new std::string;

// ---- restore: NV phase, EFS phase, verify ----

// The reproduction: restore killed during "restore EFS files", AT+CFUN=1,1, then
// diagnose must not say healthy and rescue must not say repaired with files missing.
TEST_F(FaultMatrix, RestoreKilledInEfsPhaseThenReset) {
    ASSERT_EQ(cli("sim set rm520n --state cfun5").code, 0);
    EXPECT_EQ(cli("--yes restore " + good + " -d sim:rm520n", "restore EFS files@600").code,
              kKilled);
    ASSERT_EQ(cli("at send AT+CFUN=1,1 -d sim:rm520n").code, 0);
    auto d = diagnose(kCritical);
    EXPECT_TRUE(has_finding(d, "restore-interrupted")) << d.dump(1);
    EXPECT_FALSE(has_finding(d, "healthy"));
    auto r = rescue(0);
    EXPECT_EQ(r["outcome"], "repaired") << r.dump(1);
    EXPECT_EQ(r["verification"]["compared_with"], good);
    EXPECT_TRUE(r["verification"]["backup_differences"].empty());
    EXPECT_GT(r["verification"]["compared_efs_files"].get<int>(), 1000);
    second_run_is_healthy();
}

TEST_F(FaultMatrix, RestoreKilledInNvPhase) {
    ASSERT_EQ(cli("sim set rm520n --state cfun5").code, 0);
    EXPECT_EQ(cli("--yes restore " + good + " -d sim:rm520n", "restore NV items@40").code, kKilled);
    auto d = diagnose(kCritical);
    EXPECT_TRUE(has_finding(d, "restore-interrupted")) << d.dump(1);
    EXPECT_EQ(rescue(0)["outcome"], "repaired");
    second_run_is_healthy();
}

TEST_F(FaultMatrix, RestoreKilledWhileVerifying) {
    ASSERT_EQ(cli("sim set rm520n --state cfun5").code, 0);
    EXPECT_EQ(cli("--yes restore " + good + " -d sim:rm520n", "verify@300").code, kKilled);
    // Everything was written, nothing verified: the marker still says so.
    auto d = diagnose(kCritical);
    EXPECT_TRUE(has_finding(d, "restore-interrupted")) << d.dump(1);
    EXPECT_EQ(rescue(0)["outcome"], "repaired");
    second_run_is_healthy();
    // The restore itself, run again, completes and verifies.
    EXPECT_EQ(cli("--yes restore " + good + " -d sim:rm520n").code, 0);
    diagnose(0);
}

// A restore that writes everything but reads back different is "restore-verify-failed", not
// "interrupted": a backup whose NV 10 holds three bytes, where this firmware stores two (a
// backup from another firmware), written outside the store.
TEST_F(FaultMatrix, RestoreWhoseReadBackDiffersIsVerifyFailed) {
    cr::nv::Calibration cal = cr::workflows::load_calibration(good);
    bool changed = false;
    for (auto& item : cal.nv[0])
        if (item.id == 10 && item.data[2] == 0) {
            item.data[2] = 0x07;
            changed = true;
        }
    ASSERT_TRUE(changed) << "the virtual RM520N's backup holds NV 10";
    const std::string odd = (dir_ / "other-firmware.crb").string();
    cr::workflows::write_calibration_bundle(odd, cal, "sim:rm520n");
    CliRun r = cli("--json --yes restore " + odd + " -d sim:rm520n");
    EXPECT_EQ(r.code, 8) << r.out;  // verify failed
    auto d = diagnose(kCritical);
    EXPECT_TRUE(has_finding(d, "restore-verify-failed")) << d.dump(1);
    EXPECT_FALSE(has_finding(d, "restore-interrupted")) << d.dump(1);
    auto j = rescue(0);  // the module's own backup, not the odd one, is restored
    EXPECT_EQ(j["outcome"], "repaired") << j.dump(1);
    EXPECT_EQ(j["verification"]["compared_with"], good);
    second_run_is_healthy();
}

// ---- backup: reading, writing the bundle ----

TEST_F(FaultMatrix, BackupKilledWhileReading) {
    const std::size_t before = bundles();
    EXPECT_EQ(cli("backup -d sim:rm520n", "backup EFS files@500").code, kKilled);
    EXPECT_EQ(bundles(), before);  // no half bundle under a final name
    diagnose(0);                   // reading changes nothing on the module
    EXPECT_EQ(rescue(0)["outcome"], "healthy");
    EXPECT_EQ(cli("backup -d sim:rm520n").code, 0);  // a second run completes
    EXPECT_EQ(bundles(), before + 1);
}

TEST_F(FaultMatrix, BackupKilledWhileWritingTheBundle) {
    const std::size_t before = bundles();
    EXPECT_EQ(cli("backup -d sim:rm520n", "bundle write entry@200").code, kKilled);
    EXPECT_EQ(bundles(), before);
    for (const auto& e : fs::directory_iterator(dir_ / "b"))
        if (e.path().extension() == ".crb") {
            CliRun ok = cli("backups diff " + e.path().string() + " " + good);
            EXPECT_EQ(ok.code, 0) << e.path();  // every final name holds a whole backup
        }
    diagnose(0);
    EXPECT_EQ(rescue(0)["outcome"], "healthy");
    EXPECT_EQ(cli("backup -d sim:rm520n").code, 0);
    EXPECT_EQ(bundles(), before + 1);
}

// ---- flash: programmer upload, mid-partition, before the reset ----

TEST_F(FaultMatrix, FlashKilledUploadingTheProgrammer) {
    EXPECT_EQ(cli("--yes flash " + pkg + " -d sim:rm520n", "upload programmer@4096").code, kKilled);
    auto d = diagnose(kCritical);
    EXPECT_TRUE(has_finding(d, "edl-mode")) << d.dump(1);
    EXPECT_EQ(rescue(7)["outcome"], "needs-decision");  // without a package: nothing written
    auto r = rescue(0, "--package " + pkg);
    EXPECT_EQ(r["outcome"], "repaired") << r.dump(1);
    second_run_is_healthy();
}

TEST_F(FaultMatrix, FlashKilledMidPartition) {
    CliRun plan = cli("--json flash " + pkg + " -d sim:rm520n --dry-run");
    ASSERT_EQ(plan.code, 0) << plan.out;
    std::string label;
    const nlohmann::json j = plan.json();
    for (const auto& s : j["plan"]["steps"])
        if (s["action"] == "program" && s.value("bytes", 0) > 65536) {
            label = s.value("label", "");
            break;
        }
    ASSERT_FALSE(label.empty()) << plan.out;
    EXPECT_EQ(cli("--yes flash " + pkg + " -d sim:rm520n", "program " + label + "@32768").code,
              kKilled);
    auto d = diagnose(kCritical);
    EXPECT_TRUE(has_finding(d, "edl-mode")) << d.dump(1);
    auto r = rescue(0, "--package " + pkg);
    EXPECT_EQ(r["outcome"], "repaired") << r.dump(1);
    second_run_is_healthy();
    EXPECT_EQ(cli("--yes flash " + pkg + " -d sim:rm520n").code, 0);  // a second flash run
    diagnose(0);
}

TEST_F(FaultMatrix, FlashKilledBeforeTheReset) {
    EXPECT_EQ(cli("--yes flash " + pkg + " -d sim:rm520n", "flash before reset").code, kKilled);
    auto d = diagnose(kCritical);
    EXPECT_TRUE(has_finding(d, "edl-mode")) << d.dump(1);
    auto r = rescue(0, "--package " + pkg);
    EXPECT_EQ(r["outcome"], "repaired") << r.dump(1);
    second_run_is_healthy();
}

}  // namespace

namespace {

// ---- every backup counts: a factory flash killed, rerun, then rescue ----

nlohmann::json bundle_named(const nlohmann::json& list, const std::string& file) {
    for (const auto& b : list["bundles"])
        if (b["file"] == file) return b;
    return {};
}

// A factory flash (it overwrites efs2 with cefs.mbn) killed while writing efs2: its guard
// backed up the calibrated efs2 first. The rerun's guard backs up the efs2 as it is now: it
// begins with cefs.mbn, so it is blank. The module then boots without calibration; diagnose
// names both backups, the listing says "BLANK", and rescue restores the older, real one over
// EDL, never the newer blank one; a second run has nothing to do.
TEST_F(FaultMatrix, FactoryFlashKilledRerunBlankBackupIsNeverChosen) {
    auto partition_bundles = [&] {
        std::vector<std::string> out;
        const nlohmann::json list = cli("--json backups list").json();
        for (const auto& b : list["bundles"])
            if (b.value("kind", "") == "partition") out.push_back(b["file"]);
        return out;
    };
    const std::string flash = "--yes flash " + pkgf + " --factory -d sim:rm520n";
    // Killed after the last partition, before the reset: efs2 then surely holds cefs.mbn. (A
    // kill inside efs2's data races the virtual module, which may still be reading those bytes
    // from its socket when a loaded machine delivers the SIGKILL.)
    EXPECT_EQ(cli(flash, "flash before reset").code, kKilled);
    auto first = partition_bundles();
    ASSERT_EQ(first.size(), 1u);
    CliRun rerun = cli(flash);
    ASSERT_EQ(rerun.code, 0) << rerun.out;
    auto both = partition_bundles();
    ASSERT_EQ(both.size(), 2u);
    const std::string real = first[0];
    const std::string blank = both[0] == real ? both[1] : both[0];

    auto list = cli("--json backups list").json();
    EXPECT_EQ(bundle_named(list, blank)["content"]["blank"], true) << list.dump(1);
    EXPECT_EQ(bundle_named(list, real)["content"]["blank"], false) << list.dump(1);
    CliRun text = cli("backups list");
    EXPECT_NE(text.out.find("BLANK"), std::string::npos) << text.out;

    auto d = diagnose(kCritical);
    EXPECT_TRUE(has_finding(d, "efs2-wiped")) << d.dump(1);
    std::string store_evidence;
    for (const auto& e : d["transcript"])
        if (e["query"] == "backup store") store_evidence += e["reply"].get<std::string>() + "\n";
    // The rerun found Firehose still running, so Sahara (and the chip serial) could not be
    // read: its bundle is named as matched to no module, never taken silently.
    EXPECT_NE(
        store_evidence.find(fs::path(blank).filename().string() + ": carries no IMEI, chip serial"),
        std::string::npos)
        << store_evidence;
    EXPECT_NE(store_evidence.find(fs::path(real).filename().string() + ": partition bundle"),
              std::string::npos)
        << store_evidence;
    EXPECT_NE(store_evidence.find("matched by chip serial"), std::string::npos) << store_evidence;
    EXPECT_NE(text.out.find("matched to no module"), std::string::npos) << text.out;

    auto r = rescue(0);
    EXPECT_EQ(r["outcome"], "repaired") << r.dump(1);
    bool restored_real = false;
    for (const auto& s : r["steps"]) {
        EXPECT_NE(s["source"], blank) << s.dump(1);
        if (s["action"] == "restore-partitions" && s["source"] == real) restored_real = true;
    }
    EXPECT_TRUE(restored_real) << r.dump(1);
    EXPECT_GE(r["verification"]["compared_partitions"].get<int>(), 1);
    EXPECT_EQ(r["verification"]["imei_is_own"], true);
    second_run_is_healthy();
}

}  // namespace
