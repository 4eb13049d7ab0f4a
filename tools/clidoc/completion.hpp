// Shell completion scripts from the command tree: bash (bash-completion's completions dir) and
// zsh (vendor-completions). Both complete commands by path, the options valid there (a command's
// own and, as the app falls through, its parents'), and option values from IsMember checks.
#pragma once
#include <string>

#include "tools/clidoc/model.hpp"

namespace cr::clidoc {

std::string bash_completion(const CommandDoc& root);
std::string zsh_completion(const CommandDoc& root);

}  // namespace cr::clidoc
