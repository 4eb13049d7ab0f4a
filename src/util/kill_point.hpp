// Fault injection for tests, in the real code path: with CELLRESCUE_KILL_POINT=<point>[@<n>] in
// the environment the process kills itself with SIGKILL (no cleanup, no destructors: what a
// power cut or `kill -9` does) when it reaches <point> with a progress count of at least <n>
// (default 0). Points are the progress phases ("restore EFS files", "program modem", ...;
// every cr::report() is one) and a few explicit ones ("flash before reset", "backup write
// bundle"). Unset (the normal case) it costs one getenv per call.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace cr {

inline constexpr const char* kKillPointEnv = "CELLRESCUE_KILL_POINT";

struct KillPointSpec {
    std::string_view point;
    std::uint64_t at = 0;
};
// "restore EFS files@100" -> {"restore EFS files", 100}; nullopt for an empty or malformed spec.
std::optional<KillPointSpec> parse_kill_point(std::string_view spec);

// Kills the process (SIGKILL) when the environment names this point and `done` reached it.
void kill_point(std::string_view point, std::uint64_t done = 0);

}  // namespace cr
