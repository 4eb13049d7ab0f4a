// Man pages (roff, man(7) macros) from the command tree: cellrescue.1 for the program and its
// global options, cellrescue-<command>.1 for each top-level command with its nested commands.
#pragma once
#include <string>
#include <vector>

#include "tools/clidoc/model.hpp"

namespace cr::clidoc {

struct PageInfo {
    std::string version;  // "0.1.0"
    std::string date;     // "2026-12-03" (from SOURCE_DATE_EPOCH for reproducible builds)
};

struct ManPage {
    std::string file_name;  // "cellrescue-flash.1"
    std::string text;
};

std::vector<ManPage> man_pages(const CommandDoc& root, const PageInfo& info);

// Text made safe for roff: backslashes and hyphens escaped, no line starting with a control
// character.
std::string roff_escape(const std::string& text);

}  // namespace cr::clidoc
