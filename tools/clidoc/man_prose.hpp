// The parts of cellrescue(1) that are prose rather than the command tree: what the tool is,
// how devices are named, where it keeps things. roff source, already escaped.
#pragma once

namespace cr::clidoc {

extern const char* const description_prose;
extern const char* const files_prose;
extern const char* const environment_prose;

}  // namespace cr::clidoc
