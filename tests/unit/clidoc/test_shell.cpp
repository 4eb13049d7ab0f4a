#include "tests/unit/clidoc/test_shell.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace cr::clidoc {
namespace {

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// The command's stdout (stderr as the command line redirects it), bounded to 30 s.
std::string run(const std::string& command) {
    FILE* p = ::popen(("timeout 30 " + command).c_str(), "r");
    if (!p) throw std::runtime_error("popen failed: " + command);
    std::string out;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    ::pclose(p);
    return out;
}

std::filesystem::path temp_file(const std::string& text) {
    static int counter = 0;
    auto p = std::filesystem::temp_directory_path() /
             ("clidoc-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::ofstream(p) << text;
    return p;
}

std::vector<std::string> split_words(const std::string& line) {
    std::vector<std::string> words;
    std::string w;
    for (char c : line) {
        if (c == ' ') {
            if (!w.empty()) words.push_back(w);
            w.clear();
        } else {
            w += c;
        }
    }
    words.push_back(w);  // the word under the cursor (empty after a space)
    return words;
}

}  // namespace

std::optional<TestShell> TestShell::find(const std::string& program) {
    if (run("sh -c " + quote("command -v " + program)).empty()) return std::nullopt;
    return TestShell(program);
}

std::string TestShell::bash_complete(const std::string& script, const std::string& line) const {
    auto file = temp_file(script);
    std::string cmd = program_ + " --norc --noprofile -c " +
                      quote(
                          "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); "
                          "COMP_LINE=\"$*\"; _cellrescue; printf '%s' \"${COMPREPLY[*]}\"") +
                      " bash " + quote(file.string());
    for (const auto& w : split_words(line)) cmd += " " + quote(w);
    auto out = run(cmd + " 2>/dev/null");
    std::filesystem::remove(file);
    return out;
}

std::string TestShell::syntax_errors(const std::string& script) const {
    auto file = temp_file(script);
    auto out = run(program_ + " -n " + quote(file.string()) + " 2>&1");
    std::filesystem::remove(file);
    return out;
}

std::string TestShell::man_warnings(const std::filesystem::path& page) const {
    return run("env LC_ALL=C.UTF-8 MANWIDTH=80 " + program_ + " --warnings -E UTF-8 -l " +
               quote(page.string()) + " 2>&1 >/dev/null");
}

}  // namespace cr::clidoc
