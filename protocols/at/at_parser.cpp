#include "protocols/at/at_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace cr::at {

std::string_view to_string(FinalKind kind) {
    switch (kind) {
        case FinalKind::ok:
            return "OK";
        case FinalKind::error:
            return "ERROR";
        case FinalKind::cme_error:
            return "+CME ERROR";
        case FinalKind::cms_error:
            return "+CMS ERROR";
        case FinalKind::no_carrier:
            return "NO CARRIER";
        case FinalKind::busy:
            return "BUSY";
        case FinalKind::no_answer:
            return "NO ANSWER";
        case FinalKind::no_dialtone:
            return "NO DIALTONE";
        case FinalKind::connect:
            return "CONNECT";
        case FinalKind::aborted:
            return "ABORTED";
    }
    return "?";
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

namespace {

FinalResult make(FinalKind kind, std::string_view line, std::string text = {}) {
    FinalResult r;
    r.kind = kind;
    r.text = std::move(text);
    r.line = std::string(line);
    return r;
}

// "+CME ERROR: 10" / "+CME ERROR: SIM not inserted" / "+CME ERROR:" (empty).
FinalResult parse_error_detail(FinalKind kind, std::string_view line, std::string_view rest) {
    rest = trim(rest);
    FinalResult r = make(kind, line);
    int value = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (!rest.empty() && ec == std::errc() && ptr == rest.data() + rest.size())
        r.code = value;
    else
        r.text = std::string(rest);
    return r;
}

}  // namespace

std::optional<FinalResult> parse_final(std::string_view raw) {
    std::string_view line = trim(raw);
    if (line == "OK" || line == "0") return make(FinalKind::ok, raw);
    if (line == "ERROR" || line == "4") return make(FinalKind::error, raw);
    if (line == "NO CARRIER" || line == "3") return make(FinalKind::no_carrier, raw);
    if (line == "BUSY" || line == "7") return make(FinalKind::busy, raw);
    if (line == "NO ANSWER" || line == "8") return make(FinalKind::no_answer, raw);
    if (line == "NO DIALTONE" || line == "NO DIAL TONE" || line == "6")
        return make(FinalKind::no_dialtone, raw);
    if (line == "ABORTED") return make(FinalKind::aborted, raw);
    if (line == "1") return make(FinalKind::connect, raw);
    if (line.starts_with("CONNECT") && (line.size() == 7 || line[7] == ' '))
        return make(FinalKind::connect, raw, std::string(trim(line.substr(7))));
    constexpr std::string_view cme = "+CME ERROR:";
    constexpr std::string_view cms = "+CMS ERROR:";
    if (line.starts_with(cme))
        return parse_error_detail(FinalKind::cme_error, raw, line.substr(cme.size()));
    if (line.starts_with(cms))
        return parse_error_detail(FinalKind::cms_error, raw, line.substr(cms.size()));
    return std::nullopt;
}

bool is_greeting(std::string_view line, const std::vector<std::string>& custom) {
    std::string_view t = trim(line);
    if (t == "RDY" || t == "+UUSTATUS: READY") return true;
    return std::any_of(custom.begin(), custom.end(),
                       [&](const std::string& g) { return !g.empty() && trim(g) == t; });
}

bool is_echo(std::string_view line) {
    std::string_view t = trim(line);
    return t.size() >= 2 && (t[0] == 'A' || t[0] == 'a') && (t[1] == 'T' || t[1] == 't');
}

bool is_prompt(std::string_view partial) {
    return partial == ">" || partial == "> ";
}

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\\')
            out += "\\\\";
        else if (c < 0x20 || c >= 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    return out;
}

std::string escape(ByteView bytes) {
    return escape(as_chars(bytes));
}

void LineAssembler::feed(ByteView data, std::vector<std::string>& out) {
    for (std::uint8_t b : data) {
        if (b == '\r' || b == '\n') {
            if (discarding_)
                discarding_ = false;
            else if (!partial_.empty())
                out.push_back(std::move(partial_));
            partial_.clear();
            continue;
        }
        if (b == 0 || discarding_) continue;
        if (partial_.size() >= max_line_length) {
            // Bounded memory: forget the line, skip to its end, remember that it happened.
            partial_.clear();
            partial_.shrink_to_fit();
            discarding_ = true;
            ++overlong_;
            continue;
        }
        partial_.push_back(static_cast<char>(b));
    }
}

std::optional<std::string> value_after(std::string_view line, std::string_view prefix) {
    if (!line.starts_with(prefix)) return std::nullopt;
    return std::string(trim(line.substr(prefix.size())));
}

}  // namespace cr::at
