// Fuzz the Sahara decoders and the host client's framing: the input is what a (hostile) target
// sends. Nothing may crash, hang or allocate without bound; only typed errors are allowed out.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "protocols/sahara/sahara_client.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/util/error.hpp"

namespace {

// Replays the input as the target's side of the wire; writes are swallowed; when the input is
// used up, reads time out at once (so every client wait ends immediately).
class ReplayTransport : public cr::Transport {
  public:
    explicit ReplayTransport(cr::ByteView data) : data_(data) {}
    void write(cr::ByteView, cr::Millis) override {}
    std::size_t read(std::span<std::uint8_t> buf, cr::Millis) override {
        std::size_t n = std::min({buf.size(), data_.size() - pos_, std::size_t{97}});
        std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(pos_), n, buf.begin());
        pos_ += n;
        return n;
    }
    std::size_t max_transfer_size() const override { return 4096; }
    void close() override {}
    std::string description() const override { return "fuzz"; }

  private:
    cr::ByteView data_;
    std::size_t pos_ = 0;
};

void decoders(cr::ByteView in) {
    using namespace cr::sahara;
    try {
        (void)describe(decode(in));
    } catch (const cr::Error&) {
    }
    for (bool wide : {false, true}) {
        try {
            (void)decode_memory_table(in, wide);
        } catch (const cr::Error&) {
        }
    }
    try {
        (void)decode_pk_hash(in);
        (void)decode_chip_id_v3(in);
        (void)decode_msm_hw_id(in);
    } catch (const cr::Error&) {
    }
    // The virtual target's programmer checks get hostile files too.
    std::uint64_t phoff = 0;
    std::uint32_t phnum = 0;
    cr::sim::ProgrammerLayout layout;
    cr::Bytes digest;
    (void)cr::sim::check_elf_header(in, phoff, phnum);
    (void)cr::sim::check_program_headers(in, layout);
    (void)cr::sim::check_sign_block(in, {1, std::string(64, '0'), "x"}, layout, digest);
}

void client_session(cr::ByteView in, int flavour) {
    ReplayTransport t(in);
    cr::sahara::ClientOptions o;
    o.hello_timeout = cr::Millis(0);
    o.hello_attempts = 1;
    o.packet_timeout = cr::Millis(0);
    o.region_chunk = 4096;
    cr::sahara::Client c(t, o);
    cr::Bytes image(8192, 0x5a);
    try {
        c.wait_hello();
        if (flavour == 0) c.upload_image(image);
        if (flavour == 1) c.read_identity();
        if (flavour == 2)
            for (const auto& r : c.read_memory_table())
                c.read_region(r.base, std::min<std::uint64_t>(r.length, 1 << 16),
                              [](cr::ByteView) {});
    } catch (const cr::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cr::ByteView in(data, size);
    decoders(in);
    if (size > 0) client_session(in.subspan(1), data[0] % 3);
    return 0;
}
