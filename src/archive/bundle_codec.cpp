#include "src/archive/bundle_codec.hpp"

#include <fmt/format.h>

#include "src/archive/bundle_format.hpp"
#include "src/util/error.hpp"

namespace cr::archive::detail {

Deflater::Deflater(std::function<void(ByteView)> out) : out_(std::move(out)), buf_(kChunk) {
    if (deflateInit(&z_, Z_BEST_SPEED) != Z_OK) throw IoError("zlib deflateInit failed");
}

Deflater::~Deflater() {
    deflateEnd(&z_);
}

void Deflater::feed(ByteView data, int flush) {
    z_.next_in = const_cast<Bytef*>(data.data());
    z_.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    do {
        z_.next_out = buf_.data();
        z_.avail_out = static_cast<uInt>(buf_.size());
        rc = deflate(&z_, flush);
        if (rc == Z_STREAM_ERROR) throw IoError("zlib deflate failed");
        std::size_t have = buf_.size() - z_.avail_out;
        if (have) out_(ByteView(buf_.data(), have));
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

InflateCheck::InflateCheck() : buf_(kChunk) {
    if (inflateInit(&z_) != Z_OK) throw IoError("zlib inflateInit failed");
}

InflateCheck::~InflateCheck() {
    inflateEnd(&z_);
}

void InflateCheck::feed(ByteView compressed) {
    z_.next_in = const_cast<Bytef*>(compressed.data());
    z_.avail_in = static_cast<uInt>(compressed.size());
    while (z_.avail_in > 0) {
        if (ended_) throw VerifyError("bundle entry written with data after its zlib stream");
        z_.next_out = buf_.data();
        z_.avail_out = static_cast<uInt>(buf_.size());
        int rc = inflate(&z_, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            throw VerifyError(fmt::format("bundle entry written does not inflate (zlib {})", rc));
        std::size_t n = buf_.size() - z_.avail_out;
        produced_ += n;
        digest_.update(ByteView(buf_.data(), n));
        if (rc == Z_STREAM_END) ended_ = true;
        if (rc == Z_BUF_ERROR && n == 0) break;
    }
}

void InflateCheck::finish(const std::string& entry, std::uint64_t size, const std::string& sha256) {
    std::string got = digest_.finish_hex();
    if (!ended_ || produced_ != size || got != sha256)
        throw VerifyError(fmt::format(
            "bundle entry '{}' does not read back as written ({} of {} bytes{}, SHA-256 {} "
            "expected {})",
            entry, produced_, size, ended_ ? "" : ", stream not ended", got, sha256));
}

}  // namespace cr::archive::detail
