// A virtual module's DIAG port served on a thread, with a client on the host side, over one of
// two links: a socketpair (as `-d sim:` commands use), or a pty reached through a
// /dev/serial/by-id style symlink and opened with open_port_path, left in `stty sane` state by
// "another program" (as a real module's ttyUSB, or `sim serve`). Each Session is one port
// connection; the module's state is shared by all of them at once.
#pragma once
#include <gtest/gtest.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "protocols/diag/nv_client.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/ports.hpp"
#include "src/transport/port_open.hpp"
#include "src/transport/serial_transport.hpp"
#include "src/transport/stream_transport.hpp"

namespace cr::testing {

enum class DiagLinkKind { socketpair, pty_by_id };

inline std::string link_name(const ::testing::TestParamInfo<DiagLinkKind>& info) {
    return info.param == DiagLinkKind::socketpair ? "socketpair" : "pty_by_id";
}

class DiagSession {
  public:
    explicit DiagSession(sim::VirtualModule& module, DiagLinkKind kind = DiagLinkKind::socketpair) {
        if (kind == DiagLinkKind::socketpair)
            start_socketpair(module);
        else
            start_pty(module);
        diag_ = std::make_unique<diag::DiagClient>(*host_, diag::DiagOptions{Millis(10000)});
    }
    ~DiagSession() { close(); }
    void close() {
        if (!thread_.joinable()) return;
        if (auto* s = dynamic_cast<StreamTransport*>(host_.get())) {
            s->shutdown_write();  // the device side reads EOF and its loop ends
        } else {
            host_->close();
            thread_.request_stop();
        }
        thread_.join();
        host_->close();
        if (slave_ >= 0) ::close(slave_);
        slave_ = -1;
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    diag::DiagClient& diag() { return *diag_; }
    Transport& host() { return *host_; }

  private:
    void serve(sim::VirtualModule& module) {
        thread_ = std::jthread([&module, dev = device_.get()](std::stop_token stop) {
            try {
                sim::serve_diag(module, *dev, stop);
            } catch (const DeviceGoneError&) {
            } catch (const std::exception& e) {
                ADD_FAILURE() << "serve_diag: " << e.what();
            }
            dev->close();  // the host now sees the port gone, as after a module reset
        });
    }
    void start_socketpair(sim::VirtualModule& module) {
        auto [host, device] = make_socket_pair("test DIAG");
        host_ = std::move(host);
        device_ = std::move(device);
        serve(module);
    }
    void start_pty(sim::VirtualModule& module) {
        int master = -1;
        char name[64] = {};
        if (::openpty(&master, &slave_, name, nullptr, nullptr) != 0)
            throw std::runtime_error("openpty failed");
        termios t{};  // what `stty sane` leaves: canonical, echo, CR/LF mapping
        ::tcgetattr(slave_, &t);
        t.c_iflag |= ICRNL | IXON;
        t.c_oflag |= OPOST | ONLCR;
        t.c_lflag |= ICANON | ECHO | ISIG;
        ::tcsetattr(slave_, TCSANOW, &t);
        char tmpl[] = "/tmp/cr-diag-pty-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        auto link = dir_ / "usb-Quectel_RM520N-GL_0123abcd-if00-port0";
        std::filesystem::create_symlink(name, link);
        device_ = std::make_unique<StreamTransport>(master, master, std::string(name));
        serve(module);
        host_ = open_port_path(link.string());
        if (!dynamic_cast<SerialTransport*>(host_.get()))
            ADD_FAILURE() << "a by-id link to a pty did not open as a terminal";
    }

    std::unique_ptr<Transport> host_;
    std::unique_ptr<StreamTransport> device_;
    int slave_ = -1;  // held open so the master does not hang up between clients
    std::filesystem::path dir_;
    std::jthread thread_;
    std::unique_ptr<diag::DiagClient> diag_;
};

class TempSimDir {
  public:
    TempSimDir() {
        char tmpl[] = "/tmp/cr-diag-test-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
    }
    ~TempSimDir() { std::filesystem::remove_all(dir_); }
    const std::filesystem::path& path() const { return dir_; }

  private:
    std::filesystem::path dir_;
};

}  // namespace cr::testing
