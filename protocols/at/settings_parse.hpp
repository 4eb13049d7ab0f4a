// Reading settings out of query answers (the information lines of one AT response), pure and
// without I/O. Malformed or hostile lines never throw: they simply answer nothing.
// Fuzzed by tests/fuzz/fuzz_settings.cpp.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocols/at/settings_catalog.hpp"

namespace cr::at::settings {

struct ParsedValue {
    std::optional<std::string> value;  // the setting's value, when a line answers it
    std::string problem;               // a line answered, but not with a valid value: why
};

// The value of a single-valued setting (not +CGDCONT) from its query's information lines:
// `+QCFG: "usbnet",1` -> "1"; `+QMBNCFG: "Select","ROW_Generic_3GPP"` -> "\"ROW_Generic_3GPP\"";
// `+USIO: 5,*5` -> "5" (the requested variant; *5 is the active one). The key is matched
// without case. A value that is not valid for the setting's kind is reported in `problem`.
ParsedValue parse_value(const SettingSpec& spec, const std::vector<std::string>& lines);

// +USIO's active variant (after '*'), when the answer carries one.
std::optional<std::string> parse_usio_active(const std::vector<std::string>& lines);

// `+CGDCONT: <cid>,"<type>","<apn>",...` lines -> (cid, "\"<type>\",\"<apn>\"") in answer order.
// Lines that are not a valid context definition are skipped; a repeated cid keeps the first.
std::vector<std::pair<int, std::string>> parse_contexts(const std::vector<std::string>& lines);

// `+QMBNCFG: "List",<index>,<selected>,<activated>,"<name>",<version>,<date>` lines -> names, in
// order. `activated` (when given) receives the names with the activated flag set.
std::vector<std::string> parse_mbn_list(const std::vector<std::string>& lines,
                                        std::vector<std::string>* activated = nullptr);

}  // namespace cr::at::settings
