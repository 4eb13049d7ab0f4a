// The command tree as documentation sees it, taken from the CLI11 app that main() parses with:
// man pages and completions are rendered from this, never from a second list of commands.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace cr::clidoc {

struct OptionDoc {
    std::vector<std::string> names;    // "-d", "--device"; empty for a positional
    std::string positional;            // the positional's name ("package"); empty for an option
    std::string value;                 // what it takes ("TEXT", "INT:{a,b}"); empty for a flag
    std::vector<std::string> choices;  // from an IsMember check, for completion
    std::string description;
    std::string envname;  // the environment variable that also sets it
    bool required = false;
    bool repeatable = false;  // a positional taking several values
};

struct CommandDoc {
    std::vector<std::string> path;  // {"edl", "read"}; empty for the top-level app
    std::string description;
    std::vector<OptionDoc> options;      // named options, in definition order
    std::vector<OptionDoc> positionals;  // in order
    std::vector<CommandDoc> subcommands;
    bool requires_subcommand = false;

    std::string joined(const std::string& sep = " ") const;  // "edl read"
};

// Walks `app` (hidden options and subcommands, CLI11's group "", are left out).
CommandDoc describe(const CLI::App& app);

// Every command in the tree, depth first, the root first.
std::vector<const CommandDoc*> flatten(const CommandDoc& root);

}  // namespace cr::clidoc
