// Fuzzes the XMODEM receiver over a simulated line with a simulated clock. Input: one flag
// byte (bit 0: ask for CRC), then records [length][silence][length bytes]: the sender puts the
// bytes on the line, then stays silent for silence x 100 ms. A read waits (in simulated time)
// until bytes arrive or its timeout passes, so the receiver's real timings apply: its handshake
// waits, block and byte timeouts all see bytes, gaps and timeouts as on a serial line, and an
// exhausted input is a silent line. The receiver must end (result or typed error) without
// hanging, crashing or exceeding its bounds.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "protocols/xmodem/xmodem.hpp"
#include "src/util/error.hpp"

namespace {

class SimulatedLine : public cr::Transport {
  public:
    SimulatedLine(cr::ByteView input, cr::ManualClock& clock) : input_(input), clock_(clock) {}
    void write(cr::ByteView, cr::Millis) override {}
    std::size_t read(std::span<std::uint8_t> buf, cr::Millis timeout) override {
        while (true) {
            if (silence_.count() > 0) {
                if (silence_ >= timeout) {
                    silence_ -= timeout;
                    return time_out(timeout);
                }
                clock_.advance(silence_);
                timeout -= silence_;
                silence_ = cr::Millis(0);
            }
            if (left_ > 0) {
                std::size_t n = std::min(buf.size(), left_);
                std::copy_n(input_.begin() + static_cast<long>(pos_), n, buf.begin());
                pos_ += n;
                left_ -= n;
                return n;
            }
            if (!next_record()) return time_out(timeout);
        }
    }
    std::size_t max_transfer_size() const override { return 4096; }
    void close() override {}
    std::string description() const override { return "simulated line"; }

  private:
    // Starts the next record; its silence comes before its bytes are read (after the previous
    // record's bytes), so "bytes, then a pause" is what the receiver sees.
    bool next_record() {
        if (pos_ + 2 > input_.size()) return false;
        left_ = std::min<std::size_t>(input_[pos_], input_.size() - pos_ - 2);
        silence_ = cr::Millis(100 * input_[pos_ + 1]);
        pos_ += 2;
        return true;  // an empty record is a pause only
    }
    std::size_t time_out(cr::Millis timeout) {
        clock_.advance(timeout);
        return 0;
    }

    cr::ByteView input_;
    cr::ManualClock& clock_;
    std::size_t pos_ = 0;
    std::size_t left_ = 0;
    cr::Millis silence_{0};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    cr::ManualClock clock;
    SimulatedLine line(cr::ByteView(data + 1, size - 1), clock);
    cr::xmodem::ReceiveOptions o;  // the real timings (PROTOCOLS.md §8), in simulated time
    o.crc = (data[0] & 1) != 0;
    o.max_bytes = 64 * 1024;
    o.clock = &clock;
    try {
        auto r = cr::xmodem::receive(line, o);
        if (r.data.size() % 128 != 0 || r.data.size() > o.max_bytes) __builtin_trap();
    } catch (const cr::Error&) {
    }
    return 0;
}
