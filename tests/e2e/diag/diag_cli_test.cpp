// The built binary against virtual modules: diag nv/efs, cfun5, edl enter, sim serve.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace {

struct CliResult {
    int code;
    std::string out;
};

class DiagCli : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/cr-diag-e2e-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    CliResult run(const std::string& args) {
        std::string cmd =
            std::string(CR_BINARY) + " --sim-dir " + (dir / "sims").string() + " " + args + " 2>&1";
        FILE* p = ::popen(cmd.c_str(), "r");
        std::string out;
        std::array<char, 4096> buf{};
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
        int status = ::pclose(p);
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
    }
    std::filesystem::path dir;
};

TEST_F(DiagCli, ReadsTheImeiAndListsRfCalibration) {
    auto show = run("sim show rm520n --json");
    ASSERT_EQ(show.code, 0) << show.out;
    auto imei_pos = show.out.find("\"imeis\"");
    ASSERT_NE(imei_pos, std::string::npos);
    std::string imei = show.out.substr(show.out.find('"', show.out.find('[', imei_pos)) + 1, 15);

    auto nv = run("diag nv read 550 -d sim:rm520n");
    EXPECT_EQ(nv.code, 0) << nv.out;
    EXPECT_NE(nv.out.find("DONE"), std::string::npos) << nv.out;
    EXPECT_NE(nv.out.find("IMEI: " + imei), std::string::npos) << nv.out;

    auto ls = run("diag efs ls /nv/item_files/rfnv -d sim:rm520n");
    EXPECT_EQ(ls.code, 0) << ls.out;
    EXPECT_GT(std::count(ls.out.begin(), ls.out.end(), '\n'), 1000);

    auto get = run("diag efs get /nvm/num/453 -d sim:rm520n");
    EXPECT_EQ(get.code, 0);
    EXPECT_EQ(get.out, "00\n");
}

TEST_F(DiagCli, Cfun5LeavesNoImeiAndNoRfCalibration) {
    ASSERT_EQ(run("sim set rm520n --state cfun5").code, 0);
    auto nv = run("diag nv read 550 -d sim:rm520n");
    EXPECT_NE(nv.out.find("NOTACTIVE"), std::string::npos) << nv.out;
    auto ls = run("diag efs ls /nv/item_files/rfnv -d sim:rm520n");
    EXPECT_NE(ls.code, 0);
    EXPECT_NE(ls.out.find("ENOENT"), std::string::npos) << ls.out;
}

TEST_F(DiagCli, ImeiWritesNeedLuhnAndYes) {
    auto bad = run("diag nv write 550 '08 4A 09 51 24 30 32 57 82' -d sim:rm520n --yes");
    EXPECT_EQ(bad.code, 7) << bad.out;  // SafetyError
    EXPECT_NE(bad.out.find("Luhn"), std::string::npos);
    auto no_yes = run("diag nv write 550 '08 4A 09 51 24 30 32 57 81' -d sim:rm520n");
    EXPECT_EQ(no_yes.code, 7) << no_yes.out;
    auto nv = run("diag nv read 550 -d sim:rm520n");
    EXPECT_EQ(nv.out.find("490154203237518"), std::string::npos);  // unchanged
}

TEST_F(DiagCli, EfsPutGetRmAndSpc) {
    auto local = dir / "blob.bin";
    std::ofstream(local, std::ios::binary) << std::string(3000, 'x');
    auto put = run("diag efs put /data/blob.bin " + local.string() + " -d sim:rm520n --yes");
    ASSERT_EQ(put.code, 0) << put.out;
    auto out = dir / "back.bin";
    ASSERT_EQ(run("diag efs get /data/blob.bin -o " + out.string() + " -d sim:rm520n").code, 0);
    EXPECT_EQ(std::filesystem::file_size(out), 3000u);
    EXPECT_EQ(run("diag efs rm /data/blob.bin -d sim:rm520n --yes").code, 0);
    EXPECT_NE(run("diag efs get /data/blob.bin -d sim:rm520n").code, 0);
    auto spc = run("diag spc 999999 -d sim:rm520n");
    EXPECT_EQ(spc.code, 6) << spc.out;
    EXPECT_NE(spc.out.find("NOT retried"), std::string::npos);
    EXPECT_EQ(run("diag spc 000000 -d sim:rm520n").code, 0);
}

TEST_F(DiagCli, EdlEnterSwitchesTheModeAndDiagIsGone) {
    auto enter = run("edl enter -d sim:rm520n");
    EXPECT_EQ(enter.code, 0) << enter.out;
    auto show = run("sim show rm520n");
    EXPECT_NE(show.out.find("mode edl"), std::string::npos) << show.out;
    auto nv = run("diag nv read 550 -d sim:rm520n");
    EXPECT_EQ(nv.code, 3) << nv.out;  // NotFound: no DIAG port in EDL
}

TEST_F(DiagCli, SimServeExposesTheDiagPortOnAPty) {
    auto links = dir / "ports";
    ASSERT_EQ(run("sim show rm520n").code, 0);  // provision first
    pid_t pid = ::fork();
    if (pid == 0) {
        std::string sims = (dir / "sims").string(), l = links.string();
        ::execl(CR_BINARY, CR_BINARY, "--sim-dir", sims.c_str(), "sim", "serve", "rm520n", "--dir",
                l.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(links / "at"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(std::filesystem::exists(links / "diag"));
    // ESN request (01 + CRC), answered with 01 + the chip serial.
    int fd = ::open((links / "diag").c_str(), O_RDWR | O_NOCTTY);
    ASSERT_GE(fd, 0);
    const unsigned char req[] = {0x01, 0xF1, 0xE1, 0x7E};
    ASSERT_EQ(::write(fd, req, sizeof req), static_cast<ssize_t>(sizeof req));
    pollfd pfd{fd, POLLIN, 0};
    unsigned char first = 0;
    ASSERT_EQ(::poll(&pfd, 1, 20000), 1);  // bounded: no hang if the port stays silent
    ASSERT_EQ(::read(fd, &first, 1), 1);
    ::close(fd);
    EXPECT_TRUE(first == 0x01 || first == 0x10 || first == 0x60 || first == 0x79) << int(first);
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_FALSE(std::filesystem::exists(links / "diag"));
}

// `sim serve` and `-d sim:` commands on the same module share one state at all times: a write
// over the served pty (named by its link, as any tool would) is seen by a command at once, and
// the other way round, with no EFS sync in between.
TEST_F(DiagCli, SimServeAndSimCommandsShareOneState) {
    auto links = dir / "ports";
    ASSERT_EQ(run("sim show rm520n").code, 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        std::string sims = (dir / "sims").string(), l = links.string();
        ::execl(CR_BINARY, CR_BINARY, "--sim-dir", sims.c_str(), "sim", "serve", "rm520n", "--dir",
                l.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(links / "at"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string served = (links / "diag").string();
    auto w1 = run("--yes diag nv write 6000 a1b2 -d " + served);
    EXPECT_EQ(w1.code, 0) << w1.out;
    auto r1 = run("diag nv read 6000 -d sim:rm520n");
    EXPECT_EQ(r1.code, 0) << r1.out;
    EXPECT_NE(r1.out.find("data: a1 b2"), std::string::npos) << r1.out;
    auto w2 = run("--yes diag nv write 6001 c3 -d sim:rm520n");
    EXPECT_EQ(w2.code, 0) << w2.out;
    auto r2 = run("diag nv read 6001 -d " + served);
    EXPECT_EQ(r2.code, 0) << r2.out;
    EXPECT_NE(r2.out.find("data: c3"), std::string::npos) << r2.out;
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    // The link is gone with the server: a clear error, not a hang or a "tty" guess.
    std::filesystem::create_symlink("/dev/pts/987654", dir / "stale-link");
    auto gone = run("diag nv read 550 -d " + (dir / "stale-link").string());
    EXPECT_EQ(gone.code, 3) << gone.out;
    EXPECT_NE(gone.out.find("is a link to /dev/pts/987654, which does not exist"),
              std::string::npos)
        << gone.out;
}

}  // namespace
