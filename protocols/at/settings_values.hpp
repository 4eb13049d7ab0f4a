// Values of persistent module settings as AT commands print them (PROTOCOLS.md §11), pure and
// without I/O: splitting AT parameter lists, checking a value against its kind before it is ever
// sent to a module (a settings file is untrusted input), and comparing two values the way the
// module means them (band lists as sets, hex masks as numbers, APNs without case).
// Fuzzed by tests/fuzz/fuzz_settings.cpp.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cr::at::settings {

// What a value looks like (the text after `"<item>",` in a query answer, or after the prefix).
enum class ValueKind {
    integers,   // 0 | 0,0 | 7,8 | 0,185473183,1,185473183 (decimal, comma-separated)
    quoted,     // "312" | "ROW_Generic_3GPP" (one double-quoted string)
    band_list,  // 1:3:7:20 (decimal band numbers, colon-separated; order is not significant)
    rat_list,   // AUTO | LTE:NR5G (upper-case tokens, colon-separated; order is a preference)
    hex_list,   // 0xd3,0x1a0000800d5,0x0 (hexadecimal masks, comma-separated)
    pdp,        // "IPV4V6","internet" (PDP type and APN of one context)
};
std::string_view to_string(ValueKind kind);

inline constexpr std::size_t max_value_length = 512;

// Splits an AT parameter list at commas outside double quotes; each part is trimmed of blanks
// and keeps its quotes. "" gives no parts; "a,,b" gives {"a", "", "b"}.
std::vector<std::string> split_params(std::string_view text);

// The inside of a double-quoted parameter ("abc" -> abc). False when `param` is not exactly one
// quoted string (no quote inside).
bool unquote(std::string_view param, std::string& out);

// True when `value` is a well-formed value of `kind` (no CR/LF/';', bounded length, only the
// characters the kind allows). Never throws.
bool valid_value(ValueKind kind, std::string_view value);
// Explains why a value is not valid (for error messages); empty when it is valid.
std::string why_invalid(ValueKind kind, std::string_view value);

// The value in a canonical spelling (blanks removed, hex lower-case without leading zeros,
// band lists sorted, RAT and PDP type upper-case). Only for valid values.
std::string canonical(ValueKind kind, std::string_view value);
// True when both values mean the same to the module.
bool equivalent(ValueKind kind, std::string_view a, std::string_view b);

}  // namespace cr::at::settings
