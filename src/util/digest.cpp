#include "src/util/digest.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>

#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr {

struct Digest::Impl {
    EVP_MD_CTX* ctx = nullptr;
    ~Impl() { EVP_MD_CTX_free(ctx); }
};

Digest::Digest(Algorithm algorithm) : impl_(std::make_unique<Impl>()) {
    impl_->ctx = EVP_MD_CTX_new();
    const EVP_MD* md = algorithm == Algorithm::sha256 ? EVP_sha256() : EVP_md5();
    if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, md, nullptr) != 1)
        throw Error("OpenSSL could not start a digest");
}

Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(ByteView data) { EVP_DigestUpdate(impl_->ctx, data.data(), data.size()); }

Bytes Digest::finish() {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    EVP_DigestFinal_ex(impl_->ctx, out.data(), &len);
    out.resize(len);
    return out;
}

std::string Digest::finish_hex() { return to_hex(finish()); }

std::string sha256_hex(ByteView data) {
    Digest d(Digest::Algorithm::sha256);
    d.update(data);
    return d.finish_hex();
}

std::string file_digest_hex(const std::filesystem::path& file, Digest::Algorithm algorithm) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IoError(fmt::format("cannot open {}", file.string()));
    Digest d(algorithm);
    Bytes buf(1 << 20);
    while (in) {
        in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
        d.update(ByteView(buf.data(), static_cast<std::size_t>(in.gcount())));
    }
    return d.finish_hex();
}

}  // namespace cr
