#include "protocols/at/settings_values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace cr::at::settings {
namespace {

std::string_view trim_blanks(std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    return t;
}

std::vector<std::string_view> split_on(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        auto pos = text.find(sep, start);
        out.push_back(trim_blanks(text.substr(start, pos - start)));
        if (pos == std::string_view::npos) return out;
        start = pos + 1;
    }
}

bool all_of(std::string_view t, int (*pred)(int)) {
    return std::all_of(t.begin(), t.end(),
                       [pred](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

// Characters of APNs and carrier configuration names (3GPP APN labels plus '_').
bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

std::string upper(std::string_view t) {
    std::string o(t);
    for (char& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return o;
}

std::string lower(std::string_view t) {
    std::string o(t);
    for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

std::string why_integers(std::string_view v) {
    auto parts = split_on(v, ',');
    if (parts.size() > 16) return "more than 16 numbers";
    for (auto p : parts) {
        std::string_view digits = p.starts_with('-') ? p.substr(1) : p;
        if (digits.empty() || digits.size() > 20 || !all_of(digits, &::isdigit))
            return fmt::format("'{}' is not a decimal number", p);
    }
    return {};
}

std::string why_bands(std::string_view v) {
    auto parts = split_on(v, ':');
    if (parts.size() > 256) return "more than 256 bands";
    for (auto p : parts)
        if (p.empty() || p.size() > 4 || !all_of(p, &::isdigit))
            return fmt::format("'{}' is not a band number", p);
    return {};
}

std::string why_rats(std::string_view v) {
    auto parts = split_on(v, ':');
    if (parts.size() > 8) return "more than 8 RATs";
    for (auto p : parts)
        if (p.empty() || p.size() > 10 || !all_of(p, &::isalnum))
            return fmt::format("'{}' is not a RAT name", p);
    return {};
}

std::string why_hex(std::string_view v) {
    auto parts = split_on(v, ',');
    if (parts.size() > 8) return "more than 8 masks";
    for (auto p : parts) {
        if (p.size() < 3 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X') || p.size() > 34 ||
            !all_of(p.substr(2), &::isxdigit))
            return fmt::format("'{}' is not a hexadecimal mask (0x...)", p);
    }
    return {};
}

std::string why_name(std::string_view param, std::size_t max) {
    std::string inner;
    if (!unquote(param, inner)) return fmt::format("{} is not one \"quoted\" string", param);
    if (inner.size() > max) return fmt::format("longer than {} characters", max);
    if (!std::all_of(inner.begin(), inner.end(), name_char))
        return fmt::format("\"{}\" has characters other than letters, digits, '.', '-', '_'",
                           inner);
    return {};
}

std::string why_pdp(std::string_view v) {
    auto parts = split_params(v);
    if (parts.size() != 2) return "not \"<PDP type>\",\"<APN>\"";
    std::string type;
    if (!unquote(parts[0], type)) return "the PDP type is not quoted";
    static const std::set<std::string> types = {"IP", "IPV6", "IPV4V6", "PPP", "NON-IP", "NONIP"};
    if (!types.contains(upper(type)))
        return fmt::format("PDP type \"{}\" (IP, IPV6, IPV4V6, PPP, Non-IP)", type);
    if (auto why = why_name(parts[1], 100); !why.empty()) return "APN " + why;
    return {};
}

std::string canonical_number(std::string_view p, bool hex) {
    bool negative = !hex && p.starts_with('-');
    std::string_view digits = hex ? p.substr(2) : (negative ? p.substr(1) : p);
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    return (negative ? "-" : "") + std::string(hex ? "0x" : "") + lower(digits);
}

std::string join(const std::vector<std::string>& parts, char sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : std::string(1, sep)) + p;
    return out;
}

}  // namespace

std::string_view to_string(ValueKind kind) {
    switch (kind) {
        case ValueKind::integers:
            return "integers";
        case ValueKind::quoted:
            return "quoted";
        case ValueKind::band_list:
            return "band list";
        case ValueKind::rat_list:
            return "RAT list";
        case ValueKind::hex_list:
            return "hex masks";
        case ValueKind::pdp:
            return "PDP context";
    }
    return "?";
}

std::vector<std::string> split_params(std::string_view text) {
    std::vector<std::string> out;
    if (trim_blanks(text).empty()) return out;
    std::string cur;
    bool quoted = false;
    for (char c : text) {
        if (c == '"') quoted = !quoted;
        if (c == ',' && !quoted) {
            out.emplace_back(trim_blanks(cur));
            cur.clear();
            continue;
        }
        cur += c;
    }
    out.emplace_back(trim_blanks(cur));
    return out;
}

bool unquote(std::string_view param, std::string& out) {
    param = trim_blanks(param);
    if (param.size() < 2 || param.front() != '"' || param.back() != '"') return false;
    std::string_view inner = param.substr(1, param.size() - 2);
    if (inner.find('"') != std::string_view::npos) return false;
    out = std::string(inner);
    return true;
}

std::string why_invalid(ValueKind kind, std::string_view v) {
    if (v.empty()) return "empty";
    if (v.size() > max_value_length) return fmt::format("longer than {} bytes", max_value_length);
    for (char c : v)
        if (c < 0x20 || c > 0x7e || c == ';')
            return "has control characters or ';' (one AT parameter list only)";
    switch (kind) {
        case ValueKind::integers:
            return why_integers(v);
        case ValueKind::quoted:
            return why_name(v, 100);
        case ValueKind::band_list:
            return why_bands(v);
        case ValueKind::rat_list:
            return why_rats(v);
        case ValueKind::hex_list:
            return why_hex(v);
        case ValueKind::pdp:
            return why_pdp(v);
    }
    return "unknown kind";
}

bool valid_value(ValueKind kind, std::string_view value) {
    return why_invalid(kind, value).empty();
}

std::string canonical(ValueKind kind, std::string_view v) {
    std::vector<std::string> parts;
    switch (kind) {
        case ValueKind::integers:
            for (auto p : split_on(v, ',')) parts.push_back(canonical_number(p, false));
            return join(parts, ',');
        case ValueKind::hex_list:
            for (auto p : split_on(v, ',')) parts.push_back(canonical_number(p, true));
            return join(parts, ',');
        case ValueKind::band_list: {
            std::set<unsigned> bands;
            for (auto p : split_on(v, ':'))
                bands.insert(static_cast<unsigned>(std::stoul(std::string(p))));
            for (unsigned b : bands) parts.push_back(std::to_string(b));
            return join(parts, ':');
        }
        case ValueKind::rat_list:
            for (auto p : split_on(v, ':')) parts.push_back(upper(p));
            return join(parts, ':');
        case ValueKind::quoted:
            return std::string(trim_blanks(v));
        case ValueKind::pdp: {
            auto p = split_params(v);
            std::string type, apn;
            unquote(p.at(0), type);
            unquote(p.at(1), apn);
            return fmt::format("\"{}\",\"{}\"", upper(type), lower(apn));
        }
    }
    return std::string(v);
}

bool equivalent(ValueKind kind, std::string_view a, std::string_view b) {
    if (!valid_value(kind, a) || !valid_value(kind, b)) return a == b;
    return canonical(kind, a) == canonical(kind, b);
}

}  // namespace cr::at::settings
