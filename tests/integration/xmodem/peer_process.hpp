// Runs a peer program (lrzsz's sx/rx) with its stdin and stdout on one end of a socketpair
// (not a pty: lrzsz's exit-time tcflush would eat the final ACK). Test helper.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/transport/stream_transport.hpp"

namespace cr::test {

class PeerProcess {
  public:
    // Starts `argv` in `workdir`; transport() is our end of the link.
    PeerProcess(const std::vector<std::string>& argv, const std::filesystem::path& workdir) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) throw std::runtime_error("socketpair");
        pid_ = fork();
        if (pid_ == 0) {
            dup2(sv[1], 0);
            dup2(sv[1], 1);
            int err = open((workdir / "peer.stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (err >= 0) dup2(err, 2);
            close(sv[0]);
            if (chdir(workdir.c_str()) != 0) _exit(126);
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execvp(args[0], args.data());
            _exit(127);
        }
        close(sv[1]);
        transport_ = std::make_unique<StreamTransport>(sv[0], sv[0], argv[0]);
    }
    ~PeerProcess() {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    StreamTransport& transport() { return *transport_; }
    // Exit status, or -1 when it did not end within `timeout` (then it is killed).
    int wait(std::chrono::milliseconds timeout) {
        auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                reaped_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        reaped_ = true;
        return -1;
    }

  private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::unique_ptr<StreamTransport> transport_;
};

}  // namespace cr::test
