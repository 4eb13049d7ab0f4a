// IMEI codec for NV 550 (NV_UE_IMEI_I) and the Luhn check (PROTOCOLS.md §5).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "src/util/bytes.hpp"

namespace cr::nv {

// Luhn check digit over the first 14 digits.
int luhn_check_digit(std::string_view first14);
// True when `imei` is 15 decimal digits whose last digit is the Luhn check digit.
bool is_valid_imei(std::string_view imei);
// Throws UsageError saying what is wrong (length, non-digit, Luhn) and what the digit should be.
void require_valid_imei(std::string_view imei);

// 9-byte NV 550 encoding: 08, (d1<<4)|0xA, (d3<<4)|d2, ..., (d15<<4)|d14. Requires a valid IMEI.
Bytes encode_imei_nv(std::string_view imei);
// Decodes NV 550 data (at least 9 bytes, trailing padding ignored). Returns nullopt for an
// empty/erased item (length byte 0 or 0xFF, or all digits zero); throws DecodeError when the
// bytes are not an IMEI encoding.
std::optional<std::string> decode_imei_nv(ByteView data);

}  // namespace cr::nv
