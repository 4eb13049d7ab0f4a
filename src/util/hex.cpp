#include "src/util/hex.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"

namespace cr {

std::string to_hex(ByteView data, std::string_view separator) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * (2 + separator.size()));
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (i && !separator.empty()) out += separator;
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Bytes from_hex(std::string_view text) {
    if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
    Bytes out;
    int pending = -1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == ' ' || c == ':' || c == '\t' || c == '\n' || c == '\r') {
            if (pending >= 0) throw DecodeError(fmt::format("odd hex digit before offset {}", i));
            continue;
        }
        int v = nibble(c);
        if (v < 0) throw DecodeError(fmt::format("'{}' at offset {} is not a hex digit", c, i));
        if (pending < 0) {
            pending = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(pending << 4 | v));
            pending = -1;
        }
    }
    if (pending >= 0) throw DecodeError("hex text has an odd number of digits");
    return out;
}

}  // namespace cr
