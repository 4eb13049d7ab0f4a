// Helpers shared by the package tests: temp dirs and small file edits.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace crtest {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "cr-pkg-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void spit(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

inline void replace_in(const std::filesystem::path& p, const std::string& from,
                       const std::string& to) {
    std::string s = slurp(p);
    auto pos = s.find(from);
    if (pos == std::string::npos) throw std::runtime_error("pattern not found: " + from);
    s.replace(pos, from.size(), to);
    spit(p, s);
}

}  // namespace crtest
