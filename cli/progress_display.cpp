#include "cli/progress_display.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

namespace cr::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::string amount(std::uint64_t n, const std::string& unit) {
    if (unit != "bytes") return fmt::format("{} {}", n, unit);
    if (n >= (1u << 20)) return fmt::format("{:.1f} MiB", n / 1048576.0);
    if (n >= 1024) return fmt::format("{:.1f} KiB", n / 1024.0);
    return fmt::format("{} B", n);
}

struct DisplayState {
    std::string phase;
    Clock::time_point start;
    Clock::time_point last_draw;
    int last_percent = -1;
};

void draw(DisplayState& st, const ProgressEvent& e, bool terminal, bool json) {
    auto now = Clock::now();
    double secs = std::chrono::duration<double>(now - st.start).count();
    double rate = secs > 0 ? e.done / secs : 0;
    int percent = e.total ? static_cast<int>(100.0 * e.done / e.total) : -1;
    if (json) {
        if (!e.finished && percent == st.last_percent && now - st.last_draw < std::chrono::seconds(1))
            return;
        nlohmann::json j{{"progress", e.phase}, {"unit", e.unit}, {"done", e.done},
                         {"total", e.total}, {"finished", e.finished}};
        std::fprintf(stderr, "%s\n", j.dump().c_str());
    } else if (terminal) {
        if (!e.finished && now - st.last_draw < std::chrono::milliseconds(100)) return;
        std::string bar;
        if (e.total) {
            int filled = static_cast<int>(30.0 * e.done / e.total);
            bar = "[" + std::string(filled, '#') + std::string(30 - filled, '.') + "] ";
        }
        std::string eta;
        if (e.total && rate > 0 && !e.finished)
            eta = fmt::format(" ETA {:.0f}s", (e.total - e.done) / rate);
        std::string rate_text =
            e.unit == "bytes" ? fmt::format(" {:.1f} MB/s", rate / 1e6) : "";
        std::fprintf(stderr, "\r\033[K%s %s%s%s%s%s", e.phase.c_str(), bar.c_str(),
                     amount(e.done, e.unit).c_str(),
                     e.total ? (" / " + amount(e.total, e.unit)).c_str() : "",
                     rate_text.c_str(), eta.c_str());
        if (e.finished) std::fprintf(stderr, "\n");
    } else {  // logs: a line per 10 % and at the end
        int step = percent < 0 ? -1 : percent / 10;
        if (!e.finished && step == st.last_percent) return;
        percent = step;
        std::fprintf(stderr, "%s: %s%s%s\n", e.phase.c_str(), amount(e.done, e.unit).c_str(),
                     e.total ? (" of " + amount(e.total, e.unit)).c_str() : "",
                     e.finished ? " done" : "");
    }
    st.last_draw = now;
    st.last_percent = percent;
}

}  // namespace

ProgressFn make_progress_display(bool json, bool terminal) {
    auto st = std::make_shared<DisplayState>();
    return [st, json, terminal](const ProgressEvent& e) {
        if (e.phase != st->phase) {
            st->phase = e.phase;
            st->start = Clock::now();
            st->last_draw = {};
            st->last_percent = -2;
        }
        draw(*st, e, terminal, json);
    };
}

}  // namespace cr::cli
