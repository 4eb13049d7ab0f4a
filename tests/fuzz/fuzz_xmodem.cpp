// Fuzzes the XMODEM receiver: the input is what the "sender" puts on the line, delivered in
// uneven chunks; an exhausted input reads as a timeout. The receiver must end (result or typed
// error) without hanging or crashing.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "protocols/xmodem/xmodem.hpp"
#include "src/util/error.hpp"

namespace {

class FuzzTransport : public cr::Transport {
  public:
    explicit FuzzTransport(cr::ByteView data) : data_(data) {}
    void write(cr::ByteView, cr::Millis) override {}
    std::size_t read(std::span<std::uint8_t> buf, cr::Millis) override {
        std::size_t n = std::min({buf.size(), data_.size() - pos_, step_});
        std::copy_n(data_.begin() + static_cast<long>(pos_), n, buf.begin());
        pos_ += n;
        step_ = step_ * 5 % 251 + 1;
        return n;
    }
    std::size_t max_transfer_size() const override { return 4096; }
    void close() override {}
    std::string description() const override { return "fuzz"; }

  private:
    cr::ByteView data_;
    std::size_t pos_ = 0;
    std::size_t step_ = 1;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    FuzzTransport port(cr::ByteView(data + 1, size - 1));
    cr::xmodem::ReceiveOptions o;
    o.crc = (data[0] & 1) != 0;
    o.max_bytes = 64 * 1024;
    o.crc_interval = o.nak_interval = o.timing.block = o.timing.byte = cr::Millis(0);
    try {
        auto r = cr::xmodem::receive(port, o);
        if (r.data.size() % 128 != 0 || r.data.size() > o.max_bytes) __builtin_trap();
    } catch (const cr::Error&) {
    }
    return 0;
}
