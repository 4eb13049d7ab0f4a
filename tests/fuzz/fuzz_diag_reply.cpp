// Fuzzes every DIAG/NV/EFS2 reply decoder, reply_answers, and DiagClient's reply matching over
// a transport that answers with the input bytes.
#include <algorithm>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/diag_match.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "protocols/diag/nv_client.hpp"
#include "src/util/error.hpp"

namespace {

class OneShotTransport : public cr::Transport {
  public:
    explicit OneShotTransport(cr::ByteView data) : data_(data.begin(), data.end()) {}
    void write(cr::ByteView, cr::Millis) override {}
    std::size_t read(std::span<std::uint8_t> buf, cr::Millis) override {
        if (pos_ >= data_.size()) throw cr::DeviceGoneError("end of fuzz input");
        std::size_t n = std::min(buf.size(), data_.size() - pos_);
        std::copy_n(data_.begin() + static_cast<long>(pos_), n, buf.begin());
        pos_ += n;
        return n;
    }
    std::size_t max_transfer_size() const override { return 4096; }
    void close() override {}
    std::string description() const override { return "fuzz"; }

  private:
    cr::Bytes data_;
    std::size_t pos_ = 0;
};

template <typename F>
void guarded(F&& f) {
    try {
        f();
    } catch (const cr::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cr;
    using namespace cr::diag;
    ByteView in(data, size);
    std::int32_t err = 0;
    guarded([&] { (void)decode_verno(in); });
    guarded([&] { (void)decode_ext_build_id(in); });
    guarded([&] { (void)decode_esn(in); });
    guarded([&] { (void)decode_nv_reply(in, false); });
    guarded([&] { (void)decode_nv_reply(in, true); });
    guarded([&] { (void)decode_readdir(in); });
    guarded([&] { (void)decode_stat(in); });
    guarded([&] { (void)decode_read(in, &err); });
    guarded([&] { (void)decode_get(in, &err); });
    // Reply matching: the first half as a request, the rest as a reply (and each alone).
    (void)reply_answers(in.first(size / 2), in.subspan(size / 2));
    (void)reply_answers(in, in);
    (void)is_unsolicited_frame(in);
    // The same bytes as a wire stream answering a request.
    OneShotTransport t(in);
    DiagClient client(t, DiagOptions{Millis(50)});
    Efs2Client efs(client);
    guarded([&] { (void)efs.list("/"); });
    return 0;
}
