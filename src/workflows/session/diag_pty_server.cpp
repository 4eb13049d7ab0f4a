#include "src/workflows/session/diag_pty_server.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <pty.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "sim/ports.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/util/error.hpp"

namespace cr::workflows {
namespace {

using ServeFn = void (*)(sim::VirtualModule&, Transport&, std::stop_token);

// Serves one port over and over (a reset or EDL switch ends a session; the mode may return).
void serve_loop(std::stop_token stop, sim::VirtualModule& module, Transport& port, ServeFn serve,
                std::string label) {
    while (!stop.stop_requested()) {
        if (module.state().mode != sim::Mode::normal) {
            std::this_thread::sleep_for(Millis(200));
            continue;
        }
        try {
            serve(module, port, stop);
        } catch (const DeviceGoneError&) {
            std::this_thread::sleep_for(Millis(100));
        } catch (const std::exception& e) {
            spdlog::warn("sim serve {}: {}", label, e.what());
            std::this_thread::sleep_for(Millis(500));
        }
    }
}

}  // namespace

PtyPortServer::PtyPortServer(std::shared_ptr<sim::VirtualModule> module,
                             const std::filesystem::path& dir)
    : module_(std::move(module)) {
    std::filesystem::create_directories(dir);
    struct Spec {
        const char* name;
        ServeFn serve;
    };
    for (Spec spec : {Spec{"diag", &sim::serve_diag}, Spec{"at", &sim::serve_at}}) {
        int master = -1, slave = -1;
        char name[256] = {};
        if (::openpty(&master, &slave, name, nullptr, nullptr) != 0)
            throw IoError(fmt::format("cannot create a pty: {}", std::strerror(errno)));
        termios tio{};
        ::tcgetattr(slave, &tio);
        ::cfmakeraw(&tio);  // DIAG is binary: no echo, no CR/LF translation
        ::tcsetattr(slave, TCSANOW, &tio);
        ::fcntl(master, F_SETFD, FD_CLOEXEC);
        ::fcntl(slave, F_SETFD, FD_CLOEXEC);
        keep_open_.push_back(slave);
        auto link = dir / spec.name;
        std::error_code ec;
        std::filesystem::remove(link, ec);
        std::filesystem::create_symlink(name, link);
        ports_.push_back({spec.name, link, name});
        auto transport = std::make_shared<StreamTransport>(master, master, std::string(name));
        threads_.emplace_back([mod = module_, transport, serve = spec.serve,
                               label = std::string(spec.name)](std::stop_token stop) {
            serve_loop(stop, *mod, *transport, serve, label);
        });
    }
}

PtyPortServer::~PtyPortServer() {
    stop();
}

void PtyPortServer::stop() {
    for (auto& t : threads_) t.request_stop();
    threads_.clear();  // joins: the serve loops notice the stop within their poll interval
    for (int fd : keep_open_) ::close(fd);
    keep_open_.clear();
    for (const auto& p : ports_) {
        std::error_code ec;
        std::filesystem::remove(p.link, ec);
    }
}

}  // namespace cr::workflows
