// Progress reporting from workflows to whoever displays it (the CLI draws a bar on a terminal,
// plain lines in logs, JSON lines with --json). Workflows never print.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "src/util/kill_point.hpp"

namespace cr {

struct ProgressEvent {
    std::string phase;  // "upload programmer", "program modem", "backup EFS"
    std::string unit;   // "bytes", "items", "files", "%"
    std::uint64_t done = 0;
    std::uint64_t total = 0;  // 0 when unknown
    bool finished = false;    // last event of this phase
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

// Every progress event is also a kill point named after its phase (tests only, kill_point.hpp).
inline void report(const ProgressFn& fn, const ProgressEvent& event) {
    kill_point(event.phase, event.done);
    if (fn) fn(event);
}

}  // namespace cr
