// Our Sahara client against our virtual Sahara target over a socketpair, the target on a thread.
#pragma once
#include <future>
#include <thread>

#include "protocols/sahara/sahara_client.hpp"
#include "sim/edl/sahara_target.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/util/digest.hpp"

namespace cr::test {

inline const std::string kPkHash(64, 'a');

inline sim::SaharaTargetConfig target_config(std::uint32_t version) {
    sim::SaharaTargetConfig c;
    c.version = version;
    c.identity = {0x001990e1, kPkHash, "rm520n"};
    c.serial = 0x1234abcd;
    c.sbl_version = 0x00030001;
    c.host_timeout = Millis(5000);
    return c;
}

inline Bytes programmer_for(const sim::SaharaTargetConfig& c, std::size_t size = 300 * 1024) {
    return sim::make_virtual_programmer(c.identity, size);
}

// Runs the target on its own thread; the host transport is `host`.
class TargetRunner {
  public:
    explicit TargetRunner(sim::SaharaTargetConfig config) : config_(std::move(config)) {
        auto [h, d] = make_socket_pair("test sahara");
        host = std::move(h);
        device_ = std::move(d);
        thread_ = std::jthread([this](std::stop_token stop) {
            try {
                outcome_.set_value(sim::serve_sahara(config_, *device_, stop));
            } catch (...) {
                outcome_.set_exception(std::current_exception());
            }
            device_->close();
        });
        future_ = outcome_.get_future();
    }
    ~TargetRunner() {
        thread_.request_stop();
        host->shutdown_write();
        thread_.join();
    }
    // The target's result (waits at most 20 s).
    sim::TargetOutcome outcome() {
        if (future_.wait_for(std::chrono::seconds(20)) != std::future_status::ready)
            throw std::runtime_error("target did not finish");
        return future_.get();
    }
    void stop() { thread_.request_stop(); }
    std::unique_ptr<StreamTransport> host;

  private:
    sim::SaharaTargetConfig config_;
    std::unique_ptr<StreamTransport> device_;
    std::promise<sim::TargetOutcome> outcome_;
    std::future<sim::TargetOutcome> future_;
    std::jthread thread_;
};

inline sahara::ClientOptions fast_options() {
    sahara::ClientOptions o;
    o.hello_timeout = Millis(1500);
    o.packet_timeout = Millis(5000);
    return o;
}

}  // namespace cr::test
