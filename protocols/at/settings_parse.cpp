#include "protocols/at/settings_parse.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "protocols/at/at_parser.hpp"

namespace cr::at::settings {
namespace {

bool same_ci(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// The text after the first comma outside quotes ("\"usbnet\",1" -> "1"); nullopt without one.
std::optional<std::string> after_first_param(std::string_view text) {
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"') quoted = !quoted;
        if (text[i] == ',' && !quoted) return std::string(trim(text.substr(i + 1)));
    }
    return std::nullopt;
}

std::optional<int> small_int(std::string_view t, int max) {
    int v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || v < 0 || v > max) return std::nullopt;
    return v;
}

}  // namespace

ParsedValue parse_value(const SettingSpec& spec, const std::vector<std::string>& lines) {
    ParsedValue out;
    for (const auto& line : lines) {
        auto rest = value_after(line, spec.prefix);
        if (!rest) continue;
        std::string value;
        if (!spec.key.empty()) {
            auto params = split_params(*rest);
            std::string first;
            if (params.empty() || !unquote(params.front(), first) || !same_ci(first, spec.key))
                continue;
            value = after_first_param(*rest).value_or("");
        } else if (spec.id == "usio") {
            auto params = split_params(*rest);
            value = params.empty() ? "" : params.front();
        } else {
            value = std::string(trim(*rest));
        }
        if (value.empty()) continue;  // "+QMBNCFG: \"Select\"" with nothing selected
        if (auto why = why_invalid(spec.kind, value); !why.empty()) {
            out.problem = "'" + escape(std::string_view(line).substr(0, 120)) + "': " + why;
            continue;
        }
        out.value = value;
        out.problem.clear();
        return out;
    }
    return out;
}

std::optional<std::string> parse_usio_active(const std::vector<std::string>& lines) {
    for (const auto& line : lines) {
        auto rest = value_after(line, "+USIO:");
        if (!rest) continue;
        auto params = split_params(*rest);
        if (params.size() < 2 || !params[1].starts_with('*')) continue;
        std::string active = params[1].substr(1);
        if (valid_value(ValueKind::integers, active)) return active;
    }
    return std::nullopt;
}

std::vector<std::pair<int, std::string>> parse_contexts(const std::vector<std::string>& lines) {
    std::vector<std::pair<int, std::string>> out;
    std::set<int> seen;
    for (const auto& line : lines) {
        auto rest = value_after(line, "+CGDCONT:");
        if (!rest) continue;
        auto params = split_params(*rest);
        if (params.size() < 3) continue;
        auto cid = small_int(params[0], 255);
        if (!cid || *cid == 0 || seen.contains(*cid)) continue;
        std::string value = params[1] + "," + params[2];
        if (!valid_value(ValueKind::pdp, value)) continue;
        seen.insert(*cid);
        out.emplace_back(*cid, value);
    }
    return out;
}

std::vector<std::string> parse_mbn_list(const std::vector<std::string>& lines,
                                        std::vector<std::string>* activated) {
    std::vector<std::string> names;
    for (const auto& line : lines) {
        auto rest = value_after(line, "+QMBNCFG:");
        if (!rest) continue;
        auto params = split_params(*rest);
        std::string tag, name;
        if (params.size() < 5 || !unquote(params[0], tag) || !same_ci(tag, "List")) continue;
        if (!unquote(params[4], name) || !valid_value(ValueKind::quoted, params[4])) continue;
        names.push_back(name);
        if (activated && params[3] == "1") activated->push_back(name);
    }
    return names;
}

}  // namespace cr::at::settings
