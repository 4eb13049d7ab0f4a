#include "cli/context.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "cli/progress_display.hpp"
#include "src/util/error.hpp"
#include "src/util/paths.hpp"

namespace cr::cli {

std::filesystem::path Context::sim_dir() const {
    return options.sim_dir.empty() ? default_sim_dir() : std::filesystem::path(options.sim_dir);
}

std::filesystem::path Context::backup_dir() const {
    return options.backup_dir.empty() ? default_backup_dir()
                                      : std::filesystem::path(options.backup_dir);
}

std::unique_ptr<Device> Context::open_device() const {
    if (options.devices.size() > 1)
        throw UsageError("this command works on one device, but -d was given several times",
                         "nothing was changed", "name one device (only flash takes several)");
    return cr::open_device(parse_device_spec(options.device), device_environment());
}

bool Context::confirm(const std::string& question) const {
    if (options.yes) return true;
    if (!::isatty(STDIN_FILENO))
        throw SafetyError(fmt::format("{} needs confirmation", question), "nothing was changed",
                          "run it again with --yes to confirm (no terminal to ask on)");
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    return answer == "y" || answer == "Y" || answer == "yes";
}

void Context::emit(const nlohmann::json& json, const std::string& text) const {
    if (options.json) {
        std::cout << json.dump(2) << std::endl;
    } else if (!text.empty()) {
        std::cout << text << (text.back() == '\n' ? "" : "\n") << std::flush;
    }
}

ProgressFn Context::progress() const {
    return make_progress_display(options.json, ::isatty(STDERR_FILENO) != 0);
}

}  // namespace cr::cli
