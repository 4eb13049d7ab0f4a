#include "cli/status_board.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace cr::cli {
namespace {

// "program modem 40%" -> stage "program modem", 40 (-1 without a percentage).
std::pair<std::string, int> split(const std::string& s) {
    auto space = s.rfind(' ');
    if (space != std::string::npos && s.size() > space + 1 && s.back() == '%')
        return {s.substr(0, space), std::atoi(s.c_str() + space + 1)};
    return {s, -1};
}

}  // namespace

StatusBoard::StatusBoard(std::vector<std::string> names, bool terminal)
    : names_(std::move(names)),
      status_(names_.size(), "waiting"),
      printed_(names_.size()),
      terminal_(terminal) {}

std::size_t StatusBoard::add(const std::string& name) {
    std::lock_guard guard(mutex_);
    names_.push_back(name);
    status_.push_back("waiting");
    printed_.emplace_back();
    return names_.size() - 1;
}

void StatusBoard::update(std::size_t i, const std::string& status) {
    std::lock_guard guard(mutex_);
    if (i >= names_.size()) return;
    status_[i] = status;
    if (terminal_) {
        auto now = std::chrono::steady_clock::now();
        if (now - last_draw_ < std::chrono::milliseconds(100)) return;
        last_draw_ = now;
        redraw_locked();
        return;
    }
    auto [stage, pct] = split(status);
    auto [old_stage, old_pct] = split(printed_[i]);
    if (stage == old_stage && (pct < 0 || pct / 25 == old_pct / 25)) return;
    printed_[i] = status;
    std::fprintf(stderr, "%s: %s\n", names_[i].c_str(), status.c_str());
}

void StatusBoard::redraw_locked() {
    std::string out;
    if (drawn_lines_) out += fmt::format("\033[{}A", drawn_lines_);
    for (std::size_t i = 0; i < names_.size(); ++i)
        out += fmt::format("\r\033[K{:<16} {}\n", names_[i], status_[i]);
    drawn_lines_ = names_.size();
    std::fputs(out.c_str(), stderr);
}

void StatusBoard::finish() {
    std::lock_guard guard(mutex_);
    if (terminal_) redraw_locked();
}

}  // namespace cr::cli
