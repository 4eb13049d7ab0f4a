// What each exit code means, keyed to the error kinds main() maps to exit codes; the man page
// (tools/clidoc) prints this table so it follows the enum.
#pragma once
#include <array>

#include "src/util/error.hpp"

namespace cr::cli {

struct ExitCodeMeaning {
    int code;
    const char* meaning;
};

inline constexpr std::array<ExitCodeMeaning, 11> exit_code_meanings{{
    {0, "success"},
    {static_cast<int>(ErrorKind::generic), "unexpected error"},
    {static_cast<int>(ErrorKind::usage), "usage: bad command line or argument"},
    {static_cast<int>(ErrorKind::not_found), "not found: no such device, port, file or partition"},
    {static_cast<int>(ErrorKind::timeout),
     "timeout: the device went silent (every wait is bounded)"},
    {static_cast<int>(ErrorKind::device_gone), "device gone: unplugged or rebooted mid-operation"},
    {static_cast<int>(ErrorKind::protocol),
     "protocol: the device refused (NAK, error reply) or spoke something unexpected"},
    {static_cast<int>(ErrorKind::safety),
     "safety: refused to protect calibration or identity (the message names the override)"},
    {static_cast<int>(ErrorKind::verify), "verification: read-back or digest mismatch"},
    {static_cast<int>(ErrorKind::io), "local I/O error"},
    {static_cast<int>(ErrorKind::bad_input), "malformed input file or packet"},
}};

}  // namespace cr::cli
