// `sim serve`: a virtual module's DIAG and AT ports on pseudo-terminals, so other programs
// (and our SerialTransport through a path) can talk to it. DIR/diag and DIR/at are symlinks to
// the pty slaves. Each port is served on its own thread; a port the module's mode does not
// offer (e.g. DIAG while in EDL) waits until the mode comes back.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sim/core/virtual_module.hpp"

namespace cr::workflows {

class PtyPortServer {
  public:
    // Creates the ptys (raw mode) and the links, starts serving. Throws IoError.
    PtyPortServer(std::shared_ptr<sim::VirtualModule> module, const std::filesystem::path& dir);
    ~PtyPortServer();  // stop()
    PtyPortServer(const PtyPortServer&) = delete;
    PtyPortServer& operator=(const PtyPortServer&) = delete;

    struct Port {
        std::string name;            // "diag", "at"
        std::filesystem::path link;  // DIR/diag
        std::string slave;           // /dev/pts/N
    };
    const std::vector<Port>& ports() const { return ports_; }
    // Stops the threads (unsaved EFS changes are written back) and removes the links.
    void stop();

  private:
    std::shared_ptr<sim::VirtualModule> module_;
    std::vector<Port> ports_;
    std::vector<int> keep_open_;  // our own slave fds: a client closing never hangs the master up
    std::vector<std::jthread> threads_;
};

}  // namespace cr::workflows
