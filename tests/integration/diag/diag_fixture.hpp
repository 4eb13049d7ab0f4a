// A virtual module's DIAG port served on a thread over a socketpair, with a client on the
// host side. Each Session is one port connection (the EFS loads at its start).
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "protocols/diag/nv_client.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/ports.hpp"
#include "src/transport/stream_transport.hpp"

namespace cr::testing {

class DiagSession {
  public:
    explicit DiagSession(sim::VirtualModule& module) {
        auto [host, device] = make_socket_pair("test DIAG");
        host_ = std::move(host);
        device_ = std::move(device);
        thread_ = std::jthread([&module, dev = device_.get()](std::stop_token stop) {
            try {
                sim::serve_diag(module, *dev, stop);
            } catch (const DeviceGoneError&) {
            } catch (const std::exception& e) {
                ADD_FAILURE() << "serve_diag: " << e.what();
            }
            dev->close();
        });
        diag_ = std::make_unique<diag::DiagClient>(*host_, diag::DiagOptions{Millis(10000)});
    }
    ~DiagSession() { close(); }
    void close() {
        if (!thread_.joinable()) return;
        host_->shutdown_write();
        thread_.join();
        host_->close();
    }
    diag::DiagClient& diag() { return *diag_; }
    StreamTransport& host() { return *host_; }

  private:
    std::unique_ptr<StreamTransport> host_, device_;
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
