// XDG base directories for state (virtual modules), data (backups, programmers).
#pragma once
#include <filesystem>

namespace cr {

std::filesystem::path xdg_state_home();  // $XDG_STATE_HOME or ~/.local/state
std::filesystem::path xdg_data_home();   // $XDG_DATA_HOME or ~/.local/share

inline std::filesystem::path default_sim_dir() { return xdg_state_home() / "cellrescue" / "sim"; }
inline std::filesystem::path default_backup_dir() {
    return xdg_data_home() / "cellrescue" / "backups";
}
inline std::filesystem::path default_programmer_dir() {
    return xdg_data_home() / "cellrescue" / "programmers";
}

}  // namespace cr
