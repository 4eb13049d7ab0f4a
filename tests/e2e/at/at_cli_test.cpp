// `cellrescue at send|term` on virtual modules, as a user runs them.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Run {
    int status;
    std::string out;
};

Run run(const std::string& cmdline) {
    FILE* p = popen((cmdline + " 2>&1").c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    int status = pclose(p);
    return {WEXITSTATUS(status), out};
}

std::string sim_dir() {
    return (fs::temp_directory_path() / ("cr_at_cli_" + std::to_string(getpid()))).string();
}

}  // namespace

TEST(AtCli, SendPrintsAnswersAndFailsOnCme) {
    std::string base = std::string(CR_BINARY) + " --sim-dir " + sim_dir();
    auto ok = run(base + " at send ATI9 \"AT+UMNOPROF?\" -d sim:sara-r412m");
    EXPECT_EQ(ok.status, 0) << ok.out;
    EXPECT_NE(ok.out.find("M0.00.00,A.02.19"), std::string::npos);
    EXPECT_NE(ok.out.find("+UMNOPROF: 0"), std::string::npos);
    auto bad = run(base + " --json at send AT+CFUN=1 -d sim:sara-r412m");
    EXPECT_EQ(bad.status, 6) << bad.out;
    EXPECT_NE(bad.out.find("phone failure"), std::string::npos);
    fs::remove_all(sim_dir());
}

TEST(AtCli, TermRunsCommandsFromStdinAndExitsOnEof) {
    std::string base = std::string(CR_BINARY) + " --sim-dir " + sim_dir();
    auto r = run("printf 'ATI9\\nAT+CGMR\\n' | timeout 60 " + base + " at term -d sim:lena-r8");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("02.02,A00.01"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("OK"), std::string::npos);
    fs::remove_all(sim_dir());
}
