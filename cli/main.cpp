// cellrescue: brings bricked cellular modules back and keeps their calibration safe.
#include <fmt/format.h>

#include <iostream>

#include "cli/app.hpp"
#include "src/util/error.hpp"

namespace {

int report_error(const cr::Error& e, bool json) {
    if (json) {
        nlohmann::json j{{"error", e.what()},
                         {"device_state", e.device_state()},
                         {"next_step", e.next_step()},
                         {"exit_code", static_cast<int>(e.kind())}};
        std::cout << j.dump(2) << std::endl;
    }
    std::cerr << "error: " << e.what() << "\n";
    if (!e.device_state().empty()) std::cerr << "device: " << e.device_state() << "\n";
    if (!e.next_step().empty()) std::cerr << "next: " << e.next_step() << "\n";
    return static_cast<int>(e.kind());
}

}  // namespace

int main(int argc, char** argv) {
    cr::cli::Context ctx;
    auto app = cr::cli::make_app(ctx);
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app->exit(e) == 0 ? 0 : static_cast<int>(cr::ErrorKind::usage);
    } catch (const cr::cli::ReportedFailure& f) {
        return f.exit_code;
    } catch (const cr::Error& e) {  // thrown from a subcommand callback
        return report_error(e, ctx.options.json);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return static_cast<int>(cr::ErrorKind::generic);
    }
    return 0;
}
