// Hex encoding for logs, JSON and user input.
#pragma once
#include <string>
#include <string_view>

#include "src/util/bytes.hpp"

namespace cr {

// Lowercase hex, optionally with a separator between bytes ("0a 1b").
std::string to_hex(ByteView data, std::string_view separator = "");
// Accepts upper/lower case, optional "0x", and spaces/colons between bytes; throws DecodeError.
Bytes from_hex(std::string_view text);

}  // namespace cr
