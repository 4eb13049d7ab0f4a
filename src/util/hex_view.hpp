// Lazy hex for log lines: `spdlog::trace("{}", hex_view(bytes))` formats only when the line is
// actually logged, so packet tracing costs nothing on the hot path when tracing is off.
#pragma once
#include <fmt/format.h>

#include <string_view>

#include "src/util/hex.hpp"

namespace cr {

struct HexView {
    ByteView data;
    std::string_view separator;
};

inline HexView hex_view(ByteView data, std::string_view separator = " ") {
    return {data, separator};
}

}  // namespace cr

template <>
struct fmt::formatter<cr::HexView> : fmt::formatter<std::string_view> {
    template <typename Context>
    auto format(const cr::HexView& v, Context& ctx) const {
        return fmt::formatter<std::string_view>::format(cr::to_hex(v.data, v.separator), ctx);
    }
};
