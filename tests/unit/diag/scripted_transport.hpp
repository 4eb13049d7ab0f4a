// A Transport whose replies are scripted: each write() pops the next reply (raw wire bytes)
// into the read queue. Reads with nothing queued wait a little and return 0 (a timeout).
#pragma once
#include <deque>
#include <thread>

#include "src/transport/transport.hpp"
#include "src/util/error.hpp"

namespace cr::testing {

// Moves up to buf.size() bytes of the first queued reply into buf (dropping it once empty).
inline std::size_t take_queued(std::deque<Bytes>& queue, std::span<std::uint8_t> buf) {
    Bytes& front = queue.front();
    std::size_t n = std::min(buf.size(), front.size());
    std::copy_n(front.begin(), n, buf.begin());
    front.erase(front.begin(), front.begin() + static_cast<long>(n));
    if (front.empty()) queue.pop_front();
    return n;
}

class ScriptedTransport : public Transport {
  public:
    std::deque<Bytes> replies;  // one per write
    std::vector<Bytes> written;
    bool gone_after_replies = false;

    void write(ByteView data, Millis) override {
        written.emplace_back(data.begin(), data.end());
        if (!replies.empty()) {
            pending_.push_back(std::move(replies.front()));
            replies.pop_front();
        }
    }
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        if (pending_.empty()) {
            if (gone_after_replies) throw DeviceGoneError("scripted peer hung up");
            std::this_thread::sleep_for(std::min(timeout, Millis(5)));
            return 0;
        }
        return take_queued(pending_, buf);
    }
    std::size_t max_transfer_size() const override { return 1 << 16; }
    void close() override {}
    std::string description() const override { return "scripted"; }

  private:
    std::deque<Bytes> pending_;
};

}  // namespace cr::testing
