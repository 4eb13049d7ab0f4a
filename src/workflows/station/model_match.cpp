#include "src/workflows/station/model_match.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace cr::workflows {
namespace {

struct UsbFamily {
    std::uint16_t pid;
    const char* family;
};
// Quectel (2c7c) normal-mode PIDs, PROTOCOLS.md §1.
constexpr std::array kQuectel{
    UsbFamily{0x0125, "EC25"},   UsbFamily{0x0121, "EC21"},  UsbFamily{0x0191, "EG91"},
    UsbFamily{0x0195, "EG95"},   UsbFamily{0x0296, "BG96"},  UsbFamily{0x0306, "EP06"},
    UsbFamily{0x0512, "EM12"},   UsbFamily{0x0700, "BG95"},  UsbFamily{0x0800, "RM500Q"},
    UsbFamily{0x0801, "RM520N"}, UsbFamily{0x0803, "RM520N"}};

// Longest first, so "RM500Q" is not read as something shorter.
constexpr std::array<const char*, 11> kFamilies{"RM520N", "RM500Q", "EC25", "EG25", "EC21", "EG91",
                                                "EG95",   "BG96",   "EP06", "EM12", "BG95"};

struct ChipFamilies {
    const char* chip;  // as in the programmer's name
    std::vector<std::string> families;
};

const std::vector<ChipFamilies>& chip_table() {
    static const std::vector<ChipFamilies> table{
        {"9x07", {"EC25", "EG25", "EC21", "EG91", "EG95"}},
        {"sdx55", {"RM500Q"}},
        {"sdx62", {"RM520N"}},
    };
    return table;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::optional<std::string> module_family_of_usb(std::uint16_t vid, std::uint16_t pid) {
    if (vid != 0x2c7c) return std::nullopt;
    for (const auto& f : kQuectel)
        if (f.pid == pid) return f.family;
    return std::nullopt;
}

std::optional<std::string> module_family_of_name(std::string_view name) {
    std::string u = upper(name);
    if (u.starts_with("QUECTEL ")) u = u.substr(8);
    for (const char* f : kFamilies)
        if (u.starts_with(f)) return std::string(f);
    return std::nullopt;
}

std::vector<std::string> package_families(std::string_view source_name, std::string_view root_name,
                                          std::string_view programmer_name) {
    for (auto name : {source_name, root_name})
        if (auto f = module_family_of_name(name)) return {*f};
    std::string prog(programmer_name);
    for (char& c : prog) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& c : chip_table())
        if (prog.find(std::string("_") + c.chip + ".") != std::string::npos) return c.families;
    return {};
}

ModelCheck check_package_model(const std::optional<std::string>& module_family,
                               const std::vector<std::string>& families) {
    ModelCheck c;
    if (!module_family || families.empty()) {
        c.detail = fmt::format(
            "model not checked before the programmer ({} unknown): its signature check decides",
            !module_family ? "the module's model" : "the package's model");
        return c;
    }
    c.known = true;
    c.match = std::find(families.begin(), families.end(), *module_family) != families.end();
    std::string list;
    for (const auto& f : families) list += (list.empty() ? "" : "/") + f;
    c.detail = fmt::format("package for {}, module is {}", list, *module_family);
    return c;
}

}  // namespace cr::workflows
