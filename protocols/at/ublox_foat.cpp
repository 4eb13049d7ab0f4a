#include "protocols/at/ublox_foat.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>

#include "protocols/at/at_parser.hpp"

namespace cr::at::ublox {

std::string install_result_text(int code) {
    static const std::map<int, std::string_view> table{
        {128, "success"},
        {129, "generic failure"},
        {130, "flash access failure"},
        {131, "RAM allocation failure (R4) / delta file access failure (R5)"},
        {132, "partition table error"},
        {134, "bad-block flash initialisation failure"},
        {140, "decompression engine failure"},
        {141, "RAM failure"},
        {144, "update file not found"},
        {145, "file-system access failure"},
        {148, "delta file corrupted"},
        {158, "file is not a delta package"},
        {160, "flash write failure"},
        {168, "source firmware mismatch (package made for another version)"},
        {173, "signature mismatch"},
        {174, "delta version not supported"},
        {178, "RAM corruption"},
        {180, "size mismatch"},
        {195, "updated flash corrupted"},
        {224, "finalisation failure"},
        {227, "FOTA public key failure"},
        {230, "file operation flash failure"},
        {247, "pre-validation failed"}};
    auto it = table.find(code);
    return it == table.end() ? fmt::format("unknown result code {}", code)
                             : std::string(it->second);
}

std::optional<FoatLine> parse_foat_line(std::string_view line) {
    line = trim(line);
    if (!line.starts_with('+')) return std::nullopt;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string kind(line.substr(1, colon - 1));
    if (kind != "UFWUPD" && kind != "UFWPREVAL" && kind != "UFWINSTALL" && kind != "UUFWINSTALL" &&
        kind != "UFOTASTAT")
        return std::nullopt;
    std::string_view v = trim(line.substr(colon + 1));
    if (kind == "UFOTASTAT") {  // <event>,<p1>[,<p2>]: only "2,<p1>,<code>" is a final result
        if (!v.starts_with("2,")) return std::nullopt;
        auto last = v.rfind(',');
        v = v.substr(last + 1);
        if (v == "100") v = "128";
    }
    int value = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (ec != std::errc() || p != v.data() + v.size() || value < 0) return std::nullopt;
    return FoatLine{kind, value};
}

}  // namespace cr::at::ublox
