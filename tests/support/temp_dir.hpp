// A scratch directory for one test: <tmp>/<prefix>-XXXXXX, removed with all it holds when the
// test's TempDir goes out of scope.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace cr::testing {

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& prefix = "cr-test") {
        std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed: " + tmpl);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

}  // namespace cr::testing
