// The built binary: settings show/save/diff/apply, flash --restore-settings, exit codes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace fs = std::filesystem;

namespace {

struct CliRun {
    int code;
    std::string out;
};

class SettingsCli : public ::testing::Test {
  protected:
    fs::path root;
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-e2e-settings-XXXXXX").string();
        root = ::mkdtemp(tmpl.data());
    }
    void TearDown() override { fs::remove_all(root); }

    CliRun run(const std::string& args) {
        std::string cmd = std::string("timeout 300 ") + CR_BINARY + " --sim-dir " +
                          (root / "sim").string() + " --backup-dir " + (root / "backups").string() +
                          " " + args + " 2>/dev/null";
        CliRun r{0, {}};
        FILE* p = ::popen(cmd.c_str(), "r");
        std::array<char, 4096> buf{};
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p))
            r.out.append(buf.data(), n);
        int status = ::pclose(p);
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return r;
    }
    nlohmann::json json(const std::string& args, int expect = 0) {
        CliRun r = run("--json " + args);
        EXPECT_EQ(r.code, expect) << args << "\n" << r.out;
        return nlohmann::json::parse(r.out, nullptr, false);
    }
    static std::string value(const nlohmann::json& record, const std::string& id) {
        for (const auto& s : record["settings"])
            if (s["id"] == id) return s["value"];
        return "(none)";
    }
};

TEST_F(SettingsCli, SaveWipeDiffApplyAndDiffAgain) {
    auto shown = json("settings show -d sim:rm520n");
    EXPECT_EQ(shown["format"], "cellrescue-settings");
    EXPECT_EQ(shown["module"]["model"], "RM520N-GL");
    EXPECT_EQ(value(shown, "qcfg/usbnet"), "0");
    ASSERT_EQ(run("at send \"AT+QCFG=\\\"usbnet\\\",2\" \"AT+QNWPREFCFG=\\\"nr5g_band\\\",41:78\" "
                  "\"AT+CGDCONT=4,\\\"IP\\\",\\\"iot.example\\\"\" -d sim:rm520n")
                  .code,
              0);
    std::string file = (root / "mine.json").string();
    auto saved = json("settings save -d sim:rm520n -o " + file);
    EXPECT_EQ(saved["file"], file);
    EXPECT_EQ(value(saved["record"], "qcfg/usbnet"), "2");
    EXPECT_EQ(json("settings diff " + file + " -d sim:rm520n")["identical"], true);

    ASSERT_EQ(run("sim set rm520n --state cfun5").code, 0);  // efs2 wiped: settings reset
    auto d = json("settings diff " + file + " -d sim:rm520n", 8);
    EXPECT_EQ(d["identical"], false);
    EXPECT_EQ(d["differences"].size(), 3u);

    auto dry = json("settings apply " + file + " -d sim:rm520n --dry-run");
    EXPECT_EQ(dry["dry_run"], true);
    EXPECT_EQ(json("settings diff " + file + " -d sim:rm520n", 8)["identical"], false);
    // Without --yes and without a terminal nothing is written (safety, exit 7).
    EXPECT_EQ(run("settings apply " + file + " -d sim:rm520n < /dev/null").code, 7);

    auto applied = json("--yes settings apply " + file + " -d sim:rm520n");
    EXPECT_EQ(applied["verified"], true);
    EXPECT_EQ(applied["complete"], true);
    EXPECT_EQ(json("settings diff " + file + " -d sim:rm520n")["identical"], true);
}

TEST_F(SettingsCli, SaveIntoTheStoreListsAsASettingsBundle) {
    auto saved = json("settings save -d sim:sara-r412m --label office");
    std::string file = saved["file"];
    EXPECT_NE(file.find("settings"), std::string::npos);
    auto list = json("backups list");
    ASSERT_EQ(list["bundles"].size(), 1u);
    EXPECT_EQ(list["bundles"][0]["kind"], "settings");
    EXPECT_EQ(list["bundles"][0]["entries"][0]["name"], "settings.json");
    EXPECT_EQ(json("settings diff " + file + " " + file)["identical"], true);
}

TEST_F(SettingsCli, FlashShowsWhatChangedAndRestoreSettingsPutsItBack) {
    std::string pkg = (root / "ec25.zip").string();
    ASSERT_EQ(run("sim make-firmware --model ec25 -o " + pkg).code, 0);
    ASSERT_EQ(run("at send \"AT+QCFG=\\\"usbnet\\\",1\" \"AT+QCFG=\\\"nwscanmode\\\",3\" "
                  "-d sim:ec25")
                  .code,
              0);
    auto plain = json("--yes flash " + pkg + " -d sim:ec25");
    ASSERT_TRUE(plain["settings"]["saved"].is_string());
    EXPECT_EQ(plain["settings"]["changes"]["differences"].size(), 2u);
    EXPECT_TRUE(plain["settings"]["restored"].is_null());
    std::string saved = plain["settings"]["saved"];

    // The store has the record; put them back, then flash again with --restore-settings.
    EXPECT_EQ(json("--yes settings apply " + saved + " -d sim:ec25")["verified"], true);
    auto restored = json("--yes flash " + pkg + " -d sim:ec25 --restore-settings");
    EXPECT_EQ(restored["settings"]["restored"]["verified"], true);
    EXPECT_EQ(json("settings diff " + saved + " -d sim:ec25")["identical"], true);
    EXPECT_EQ(run("--yes flash " + pkg + " -d sim:ec25 --restore-settings --no-reset").code, 2);
}

TEST_F(SettingsCli, BadFilesAreRefusedBeforeTheDevice) {
    std::string bad = (root / "bad.json").string();
    std::ofstream(bad)
        << R"({"format":"cellrescue-settings","version":1,"module":{"vendor":"quectel"},)"
        << R"("settings":[{"id":"qcfg/usbnet","value":"1;AT+QPRTPARA=3"}]})";
    EXPECT_EQ(run("--yes settings apply " + bad + " -d sim:rm520n").code, 10);
    std::ofstream(bad, std::ios::trunc) << R"({"format":"cellrescue-settings","vers)";
    EXPECT_EQ(run("--yes settings apply " + bad + " -d sim:rm520n").code, 10);
    EXPECT_EQ(
        run("--yes settings apply " + (root / "missing.json").string() + " -d sim:rm520n").code, 3);
    EXPECT_EQ(run("settings diff " + bad).code, 10);
    std::string good = (root / "good.json").string();
    ASSERT_EQ(run("settings save -d sim:rm520n -o " + good).code, 0);
    EXPECT_EQ(run("settings diff " + good).code, 2);  // neither a second file nor -d
    EXPECT_EQ(run("--yes settings apply " + good + " -d sim:sara-r5").code, 2);  // other vendor
}

}  // namespace
