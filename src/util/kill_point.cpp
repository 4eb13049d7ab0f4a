#include "src/util/kill_point.hpp"

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string>

namespace cr {

std::optional<KillPointSpec> parse_kill_point(std::string_view spec) {
    KillPointSpec out{spec, 0};
    if (auto at = spec.rfind('@'); at != std::string_view::npos) {
        std::string_view n = spec.substr(at + 1);
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), out.at);
        if (n.empty() || ec != std::errc() || end != n.data() + n.size()) return std::nullopt;
        out.point = spec.substr(0, at);
    }
    if (out.point.empty()) return std::nullopt;
    return out;
}

void kill_point(std::string_view point, std::uint64_t done) {
    const char* env = std::getenv(kKillPointEnv);
    if (!env || !*env) return;
    auto spec = parse_kill_point(env);
    if (!spec || spec->point != point || done < spec->at) return;
    // Said on stderr so a test log shows where it died; write(2) only: nothing may run after.
    std::string line = "cellrescue: killed at kill point '" + std::string(point) + "' (" +
                       std::to_string(done) + ")\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
    ::kill(::getpid(), SIGKILL);
    ::_exit(137);  // not reached
}

}  // namespace cr
