#include "nv/imei.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::nv {

int luhn_check_digit(std::string_view first14) {
    int sum = 0;
    for (std::size_t i = 0; i < first14.size(); ++i) {
        int d = first14[i] - '0';
        if (i % 2 == 1) {  // d2, d4, ... (1-based even positions) are doubled
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10;
}

static bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_valid_imei(std::string_view imei) {
    return imei.size() == 15 && all_digits(imei) &&
           luhn_check_digit(imei.substr(0, 14)) == imei[14] - '0';
}

void require_valid_imei(std::string_view imei) {
    if (imei.size() != 15 || !all_digits(imei))
        throw UsageError(fmt::format("'{}' is not an IMEI: an IMEI is 15 decimal digits", imei),
                         "nothing was written", "copy the IMEI from the module's label");
    int check = luhn_check_digit(imei.substr(0, 14));
    if (check != imei[14] - '0')
        throw UsageError(fmt::format("IMEI {} fails the Luhn check: the last digit should be {}",
                                     imei, check),
                         "nothing was written",
                         "re-read the IMEI from the module's label; a typo is likely");
}

Bytes encode_imei_nv(std::string_view imei) {
    require_valid_imei(imei);
    auto d = [&](int i) { return static_cast<std::uint8_t>(imei[i - 1] - '0'); };
    Bytes out{0x08, static_cast<std::uint8_t>((d(1) << 4) | 0x0A)};
    for (int i = 2; i <= 14; i += 2)
        out.push_back(static_cast<std::uint8_t>((d(i + 1) << 4) | d(i)));
    return out;
}

std::optional<std::string> decode_imei_nv(ByteView data) {
    if (data.size() < 9) throw DecodeError(fmt::format("IMEI item has {} bytes, needs 9", data.size()));
    if (data[0] == 0 || data[0] == 0xFF) return std::nullopt;
    if (data[0] != 0x08)
        throw DecodeError(fmt::format("IMEI item starts with length {:#04x}, expected 0x08 ({})",
                                      data[0], to_hex(data.first(9), " ")));
    std::string digits;
    auto digit = [&](int v) {
        if (v > 9)
            throw DecodeError(fmt::format("IMEI item holds a non-decimal nibble ({})",
                                          to_hex(data.first(9), " ")));
        digits += static_cast<char>('0' + v);
    };
    digit(data[1] >> 4);  // low nibble of byte 1 is the 0xA type marker: ignored
    for (int i = 2; i <= 8; ++i) {
        digit(data[i] & 0x0F);
        digit(data[i] >> 4);
    }
    if (digits.find_first_not_of('0') == std::string::npos) return std::nullopt;
    return digits;
}

}  // namespace cr::nv
