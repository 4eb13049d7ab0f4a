// u-blox FOAT facts shared by the host workflow and the virtual modules (PROTOCOLS.md §9):
// install result codes in words and the progress/result lines.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace cr::at::ublox {

inline constexpr int install_success = 128;

// "128" -> "success", "148" -> "delta file corrupted", unknown -> "unknown result code N".
std::string install_result_text(int code);

// A progress or result line: "+UFWUPD: 40", "+UFWPREVAL: 100", "+UFWINSTALL: 128",
// "+UUFWINSTALL: 7", "+UFOTASTAT: 2,3,148" (value = the code/percentage). Percentages are
// 0..100; anything above 100 is a final result code.
struct FoatLine {
    std::string kind;  // "UFWUPD", "UFWPREVAL", "UFWINSTALL", "UUFWINSTALL", "UFOTASTAT"
    int value = 0;
    bool final() const { return value > 100 || (kind == "UFOTASTAT"); }
};
std::optional<FoatLine> parse_foat_line(std::string_view line);

}  // namespace cr::at::ublox
