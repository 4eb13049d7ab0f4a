// Running the demo: each step spawns the real binary and relays its output.
#include "src/workflows/demo/demo.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

#include "src/util/error.hpp"

extern char** environ;

namespace cr::workflows {
namespace {

struct ChildRun {
    int exit_code = 0;
    std::string output;
};

// Runs `binary args...` with stdin from /dev/null and stdout+stderr into a pipe whose text is
// relayed to `out` as it arrives. Bounded: a step that runs over 10 minutes is killed.
ChildRun spawn_and_relay(const DemoOptions& o, const std::vector<std::string>& args) {
    std::vector<std::string> argv_s = {o.binary.string(), "--sim-dir",
                                       (o.work_dir / "sim").string(), "--backup-dir",
                                       (o.work_dir / "backups").string()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw IoError("demo: cannot create a pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw IoError(fmt::format("demo: cannot run {}: {}", argv_s[0], std::strerror(rc)));
    }
    ChildRun run;
    std::array<char, 4096> buf{};
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    for (;;) {
        pollfd p{fds[0], POLLIN, 0};
        int n = ::poll(&p, 1, 1000);
        if (std::chrono::steady_clock::now() > give_up) {
            ::kill(pid, SIGKILL);
            break;
        }
        if (n <= 0) continue;
        ssize_t got = ::read(fds[0], buf.data(), buf.size());
        if (got <= 0) break;
        std::string chunk(buf.data(), static_cast<std::size_t>(got));
        run.output += chunk;
        if (o.out) o.out(chunk);
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

void say(const DemoOptions& o, const std::string& text) {
    if (o.out) o.out(text);
}

}  // namespace

DemoResult run_demo(const DemoOptions& o) {
    DemoResult result;
    std::filesystem::create_directories(o.work_dir);
    auto steps = demo_script(o);
    say(o, fmt::format("cellrescue demo: a virtual {} in {}\n(every step below is the real "
                       "command; copy them to run the story yourself)\n",
                       o.model, o.work_dir.string()));
    int n = 0;
    bool fell_back = false;
    for (const auto& step : steps) {
        if (fell_back && step.skip_after_fallback) {
            say(o, fmt::format("\n=== {}/{} {}: skipped (the state change above already did it)\n",
                               ++n, steps.size(), step.title));
            continue;
        }
        say(o, fmt::format("\n=== {}/{} {}: {}\n$ {}\n", ++n, steps.size(), step.title, step.why,
                           demo_command_line(o, step.args)));
        ChildRun run = spawn_and_relay(o, step.args);
        DemoStepResult r{demo_command_line(o, step.args), run.exit_code, false};
        if (run.exit_code != 0 && !step.fallback.empty()) {
            say(o, fmt::format("\n!!! that step failed (exit {}); doing the same to the module "
                               "through the virtual module's own state instead:\n$ {}\n",
                               run.exit_code, demo_command_line(o, step.fallback)));
            run = spawn_and_relay(o, step.fallback);
            r = {demo_command_line(o, step.fallback), run.exit_code, true};
            fell_back = true;
        }
        result.steps.push_back(r);
        result.last_output = run.output;
        if (run.exit_code == step.expected_exit && !r.used_fallback) continue;
        if (run.exit_code != 0 && !step.optional) {
            say(o, fmt::format("\ndemo stopped: step {} exited {}\n", n, run.exit_code));
            return result;
        }
        if (run.exit_code != 0) say(o, fmt::format("(optional step exited {})\n", run.exit_code));
    }
    result.completed = true;
    say(o, fmt::format("\ndemo complete. The virtual module and its backups stay in {} for you "
                       "to explore with the commands above.\n",
                       o.work_dir.string()));
    return result;
}

}  // namespace cr::workflows
