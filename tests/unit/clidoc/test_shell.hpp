// Runs bash, zsh and man on generated text for the clidoc tests (each run bounded by timeout(1)).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace cr::clidoc {

class TestShell {
  public:
    // The program if it is on PATH.
    static std::optional<TestShell> find(const std::string& program);

    // What `_cellrescue` puts in COMPREPLY for `line` (the cursor at its end), space-joined.
    std::string bash_complete(const std::string& script, const std::string& line) const;
    // zsh -n: the parse errors of `script`, empty when it parses.
    std::string syntax_errors(const std::string& script) const;
    // man -l --warnings: what man and groff print on stderr for `page`.
    std::string man_warnings(const std::filesystem::path& page) const;

  private:
    explicit TestShell(std::string program) : program_(std::move(program)) {}
    std::string program_;
};

}  // namespace cr::clidoc
