// Runs a shell command line (the built binary, usually) and collects its exit code and output,
// for the e2e tests. stdin is /dev/null so nothing waits for a terminal.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace cr::testing {

struct CliRun {
    int code = -1;  // exit status, -1 when killed by a signal or not started
    std::string out;
};

inline CliRun run_shell(const std::string& command) {
    CliRun r;
    FILE* p = ::popen((command + " </dev/null").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
    int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace cr::testing
