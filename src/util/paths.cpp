#include "src/util/paths.hpp"

#include <cstdlib>

namespace cr {
namespace {

std::filesystem::path home() {
    const char* h = std::getenv("HOME");
    return h && *h ? std::filesystem::path(h) : std::filesystem::temp_directory_path();
}

std::filesystem::path from_env(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    if (v && *v == '/') return v;
    return home() / fallback;
}

}  // namespace

std::filesystem::path xdg_state_home() { return from_env("XDG_STATE_HOME", ".local/state"); }
std::filesystem::path xdg_data_home() { return from_env("XDG_DATA_HOME", ".local/share"); }

}  // namespace cr
