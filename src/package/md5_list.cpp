// md5.txt parsing: Quectel ":\" lines and GNU md5sum lines (see md5_list.hpp).
#include "src/package/md5_list.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "src/util/error.hpp"

namespace cr::package {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool is_md5(std::string_view s) {
    return s.size() == 32 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string normalise_path(std::string_view p) {
    std::string out(trim(p));
    std::replace(out.begin(), out.end(), '\\', '/');
    return out;
}

bool is_targetfiles(const std::string& path) {
    std::string l = lower(path);
    auto slash = l.find_last_of('/');
    return (slash == std::string::npos ? l : l.substr(slash + 1)) == "targetfiles.zip";
}

// "<anything>:\<path>:<md5>"; throws when the digest part is not 32 hex digits.
Md5Entry parse_quectel(std::string_view line, std::size_t colon_bs, const std::string& source,
                       std::size_t n) {
    std::string_view rest = line.substr(colon_bs + 2);  // after ":\"
    auto colon = rest.find(':');
    std::string_view digest = colon == std::string_view::npos ? "" : trim(rest.substr(colon + 1));
    std::string path = normalise_path(rest.substr(0, colon));
    if (path.empty() || !is_md5(digest))
        throw DecodeError(
            fmt::format("{} line {}: expected '<drive>:\\<path>:<32 hex digits>', got '{}'", source,
                        n, std::string(trim(line))),
            "nothing was sent to the device",
            "the package's md5.txt is damaged: re-download the package, or pass --no-md5 if "
            "you trust its files");
    return {path, lower(digest), n};
}

// "<md5>  <path>" or "<md5> *<path>"; nullopt-like empty path when the line is not one.
Md5Entry parse_gnu(std::string_view line, std::size_t n) {
    std::string_view t = trim(line);
    if (t.size() < 34 || !is_md5(t.substr(0, 32)) || (t[32] != ' ' && t[32] != '\t')) return {};
    std::string_view name = t.substr(33);
    if (!name.empty() && (name.front() == ' ' || name.front() == '*')) name.remove_prefix(1);
    return {normalise_path(name), lower(t.substr(0, 32)), n};
}

}  // namespace

Md5List parse_md5_list(std::string_view text, const std::string& source_name) {
    Md5List out;
    std::size_t n = 0;
    while (!text.empty()) {
        auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        ++n;
        if (trim(line).empty()) continue;
        auto colon_bs = line.find(":\\");
        Md5Entry e = colon_bs != std::string_view::npos
                         ? parse_quectel(line, colon_bs, source_name, n)
                         : parse_gnu(line, n);
        if (e.path.empty() || is_targetfiles(e.path)) {
            ++out.skipped_lines;
            continue;
        }
        out.entries.push_back(std::move(e));
    }
    return out;
}

}  // namespace cr::package
